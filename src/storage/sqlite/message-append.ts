/**
 * The append path on the calling thread, for short-lived tools and tests: the batch runs
 * while Kysely's only connection is checked out to it, so nothing else touches it.
 */
import type SqliteDatabase from "better-sqlite3-multiple-ciphers";
import type { Kysely } from "kysely";
import type { AppendBatch, AppendResult, MessageAppender } from "../message-rules.js";
import type { Database } from "../schema.js";
import { type AppendRunner, appendRunner } from "./append-runner.js";

export class SqliteMessageAppender implements MessageAppender {
  readonly keepsOrder = false;

  // Prepared on first use: the tables do not exist before the migrations have run.
  private run: AppendRunner | undefined;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly raw: SqliteDatabase.Database,
  ) {}

  append(batch: AppendBatch): Promise<AppendResult[]> {
    return this.db.connection().execute(async () => {
      this.run ??= appendRunner(this.raw);
      return this.run(batch);
    });
  }
}
