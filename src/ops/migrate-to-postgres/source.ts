/**
 * The SQLite side: the database file opened read-only, checked against this build's
 * schema, and read in primary-key order inside one snapshot so that the copy and its
 * verification see the same rows.
 */
import { existsSync } from "node:fs";
import type SqliteDatabase from "better-sqlite3-multiple-ciphers";
import type { Kysely } from "kysely";
import { schemaStatus } from "../../storage/migrate.js";
import type { Database } from "../../storage/schema.js";
import { openSqlite } from "../../storage/sqlite/connect.js";
import {
  isNotADatabase,
  keyProblem,
  readKeyFile,
  type SqliteKey,
} from "../../storage/sqlite/encryption.js";
import { MigrationError, reasonOf } from "./errors.js";
import { type CanonicalRow, canonicalFromSqlite } from "./rows.js";
import { quoteIdent, type TablePlan } from "./tables.js";

/** A node that has not refreshed its row for this long has stopped (see ops/node-registry). */
const NODE_STALE_MS = 30_000;

export interface SourceColumn {
  name: string;
  /** Position in the primary key, 0 when not part of it. */
  pk: number;
}

export class SqliteSource {
  private constructor(
    readonly path: string,
    private readonly raw: SqliteDatabase.Database,
    private readonly db: Kysely<Database>,
  ) {}

  /** Opens the file read-only; an encrypted one with its key, in either SQLCipher format. */
  static open(path: string, keyFile?: string): SqliteSource {
    if (!existsSync(path)) throw new MigrationError(`--from ${path}: no such file`);
    let keys: (SqliteKey | undefined)[] = [undefined];
    try {
      if (keyFile) keys = [readKeyFile(keyFile, 4), readKeyFile(keyFile, 3)];
    } catch (err) {
      throw new MigrationError(`--key-file: ${reasonOf(err)}`);
    }
    let failure: unknown;
    for (const key of keys) {
      try {
        const { raw, db } = openSqlite(path, { readonly: true, key });
        return new SqliteSource(path, raw, db);
      } catch (err) {
        failure ??= err;
      }
    }
    const problem = keyProblem(path, keys[0], failure);
    if (problem) throw new MigrationError(problem.message);
    const hint =
      !keyFile && isNotADatabase(failure)
        ? " (if it is encrypted, give its key with --key-file)"
        : "";
    throw new MigrationError(
      `cannot open ${path} as a SQLite database: ${reasonOf(failure)}${hint}`,
    );
  }

  /** Refuses a file whose schema is not exactly the one this build writes. */
  async checkSchema(): Promise<string[]> {
    let status: Awaited<ReturnType<typeof schemaStatus>>;
    try {
      status = await schemaStatus(this.db, "sqlite");
    } catch (err) {
      throw new MigrationError(`cannot read ${this.path}: ${reasonOf(err)}`);
    }
    if (status.applied.length === 0) {
      throw new MigrationError(
        `${this.path} is not a chat-server database (it has no applied schema migrations)`,
      );
    }
    if (status.unknown.length > 0) {
      throw new MigrationError(
        `${this.path} has schema migrations this chat-server does not know (${status.unknown.join(", ")}): it was written by a newer version; migrate with that version`,
      );
    }
    if (status.pending.length > 0) {
      throw new MigrationError(
        `${this.path} is at an older schema (missing ${status.pending.join(", ")}); start this chat-server on it once, or run \`chat-server db migrate\` with its SQLite configuration, then migrate again`,
      );
    }
    return status.applied;
  }

  /** Servers that have refreshed their row lately: they may still be writing. */
  runningNodes(now: number): string[] {
    const rows = this.raw
      .prepare("select hostname, pid, last_seen_at from nodes where last_seen_at >= ?")
      .all(now - NODE_STALE_MS) as { hostname: string; pid: number }[];
    return rows.map((r) => `${r.hostname}:${r.pid}`);
  }

  /**
   * Starts the read snapshot every later read sees. Reading does not block a writer, so
   * the snapshot is what makes the copy consistent even if something writes meanwhile.
   */
  beginSnapshot(): void {
    this.raw.exec("begin");
    this.raw.prepare("select count(*) from sqlite_master").get();
  }

  tableNames(): string[] {
    const rows = this.raw
      .prepare("select name from sqlite_master where type = 'table' and name not like 'sqlite_%'")
      .all() as { name: string }[];
    return rows.map((r) => r.name);
  }

  columns(table: string): SourceColumn[] {
    return this.raw.pragma(`table_info(${quoteIdent(table)})`) as SourceColumn[];
  }

  /** Each foreign key of `table` as the table it references. */
  referencedTables(table: string): string[] {
    const rows = this.raw.pragma(`foreign_key_list(${quoteIdent(table)})`) as { table: string }[];
    return [...new Set(rows.map((r) => r.table))];
  }

  count(table: string): number {
    const row = this.raw.prepare(`select count(*) as n from ${quoteIdent(table)}`).get() as {
      n: number;
    };
    return row.n;
  }

  /**
   * The rows of a table in primary-key order (SQLite's BINARY order, which is the byte
   * order of UTF-8), after the key `afterKey` when given, `size` at a time.
   */
  *batches(plan: TablePlan, size: number, afterKey?: CanonicalRow): Generator<CanonicalRow[]> {
    const columns = plan.columns.map((c) => quoteIdent(c.name)).join(", ");
    const key = plan.primaryKey.map((c) => quoteIdent(c.name));
    const where = afterKey ? `where (${key.join(", ")}) > (${key.map(() => "?").join(", ")})` : "";
    const statement = this.raw
      .prepare(
        `select ${columns} from ${quoteIdent(plan.name)} ${where} order by ${key.join(", ")}`,
      )
      .raw(true)
      .safeIntegers(true);
    const params = afterKey
      ? plan.primaryKey.map((c, i) =>
          c.kind === "integer" ? BigInt(afterKey[i] ?? 0) : (afterKey[i] ?? null),
        )
      : [];
    let batch: CanonicalRow[] = [];
    for (const row of statement.iterate(...params) as IterableIterator<unknown[]>) {
      batch.push(canonicalFromSqlite(plan, row));
      if (batch.length >= size) {
        yield batch;
        batch = [];
      }
    }
    if (batch.length > 0) yield batch;
  }

  /** Closes the file, which also ends the read snapshot. */
  close(): void {
    this.raw.close();
  }
}
