/**
 * The SQLite -> PostgreSQL migration from start to verdict: check the source, prepare
 * the target, copy, verify. The SQLite file is only ever read.
 */
import { performance } from "node:perf_hooks";
import { copyTables, type TableCopy } from "./copy.js";
import { MigrationError } from "./errors.js";
import { planTables } from "./plan.js";
import type { Progress } from "./progress.js";
import { SqliteSource } from "./source.js";
import { PostgresTarget } from "./target.js";
import { type TableCheck, verifyTables } from "./verify.js";

export interface MigrationOptions {
  /** The SQLite database file. */
  from: string;
  /** The key of an encrypted SQLite file. */
  keyFile?: string | undefined;
  /** The PostgreSQL connection URL. */
  to: string;
  /** The PostgreSQL schema, "" for the connection's default. */
  schema: string;
  resume: boolean;
  batchSize: number;
}

export interface MigrationReport {
  copies: TableCopy[];
  checks: TableCheck[];
  copiedRows: number;
  copySeconds: number;
  verifiedRows: number;
  verifySeconds: number;
}

function refuseRunning(where: string, nodes: string[]): void {
  if (nodes.length === 0) return;
  throw new MigrationError(
    `a chat-server is running on ${where} (${nodes.join(", ")}); stop it first (a server that died is forgotten 30 s after its last heartbeat)`,
  );
}

async function prepare(
  source: SqliteSource,
  target: PostgresTarget,
  options: MigrationOptions,
): Promise<void> {
  refuseRunning("the target", await target.runningNodes(Date.now()));
  const users = await target.count("users");
  if (users > 0 && !options.resume) {
    throw new MigrationError(
      `the target already holds data (${users} users); migrate into an empty database or schema, or pass --resume to continue an interrupted migration into it`,
    );
  }
  source.beginSnapshot();
}

export async function migrateToPostgres(
  options: MigrationOptions,
  progress: Progress,
): Promise<MigrationReport> {
  const source = SqliteSource.open(options.from, options.keyFile);
  let target: PostgresTarget | undefined;
  try {
    const schema = await source.checkSchema();
    refuseRunning(options.from, source.runningNodes(Date.now()));
    progress.note(`source: ${options.from} (schema ${schema.at(-1)})`);
    const opened = await PostgresTarget.open(options.to, options.schema);
    target = opened.target;
    const applied = opened.applied.length > 0 ? opened.applied.join(", ") : "none needed";
    progress.note(`target: ${target.description} (migrations applied: ${applied})`);
    await prepare(source, target, options);
    const plans = await planTables(source, target);

    const copyStart = performance.now();
    const copies = await copyTables(source, target, plans, options, progress);
    const copySeconds = (performance.now() - copyStart) / 1000;

    progress.note("verifying row counts and checksums");
    const verifyStart = performance.now();
    const checks = await verifyTables(source, target, plans, options.batchSize);
    const verifySeconds = (performance.now() - verifyStart) / 1000;
    return {
      copies,
      checks,
      copiedRows: copies.reduce((sum, c) => sum + c.copied, 0),
      copySeconds,
      verifiedRows: checks.reduce((sum, c) => sum + (c.skip ? 0 : c.targetRows), 0),
      verifySeconds,
    };
  } finally {
    source.close();
    await target?.close();
  }
}
