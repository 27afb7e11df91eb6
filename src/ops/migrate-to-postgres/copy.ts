/**
 * Copies the tables in order, a batch per statement. Reading the next batch from SQLite
 * overlaps with PostgreSQL writing the previous one. With `resume`, each table continues
 * after the highest key already in the target, and a row that is there anyway is skipped
 * by its key, so a re-run never duplicates anything.
 */
import { performance } from "node:perf_hooks";
import { MigrationError, reasonOf } from "./errors.js";
import type { Progress } from "./progress.js";
import type { SqliteSource } from "./source.js";
import type { TablePlan } from "./tables.js";
import type { PostgresTarget } from "./target.js";

export interface CopyOptions {
  batchSize: number;
  resume: boolean;
}

export interface TableCopy {
  table: string;
  /** Rows written by this run. */
  copied: number;
  /** Rows the target held already (from an interrupted run). */
  present: number;
  /** Rows read this run but skipped because the target had their key. */
  skipped: number;
  seconds: number;
}

async function copyTable(
  source: SqliteSource,
  target: PostgresTarget,
  plan: TablePlan,
  options: CopyOptions,
  progress: Progress,
): Promise<TableCopy> {
  const started = performance.now();
  const total = source.count(plan.name);
  const present = options.resume ? await target.count(plan.name) : 0;
  const after = options.resume ? await target.highestKey(plan) : undefined;
  const result: TableCopy = { table: plan.name, copied: 0, present, skipped: 0, seconds: 0 };
  progress.startTable(plan.name, total, present);
  const settle = async (write: Promise<number>, size: number) => {
    const written = await write;
    result.copied += written;
    result.skipped += size - written;
    progress.advance(written);
  };
  let pending: { write: Promise<number>; size: number } | undefined;
  try {
    for (const batch of source.batches(plan, options.batchSize, after)) {
      if (pending) await settle(pending.write, pending.size);
      pending = { write: target.insert(plan, batch), size: batch.length };
    }
    if (pending) await settle(pending.write, pending.size);
    pending = undefined;
  } catch (err) {
    // A write still in flight must not surface later as an unhandled rejection.
    await pending?.write.catch(() => {});
    if (err instanceof MigrationError) throw err;
    throw new MigrationError(`copying ${plan.name}: ${reasonOf(err)}`);
  }
  progress.finishTable();
  result.seconds = (performance.now() - started) / 1000;
  return result;
}

/** Copies every table that is not skipped, then moves the target's sequences on. */
export async function copyTables(
  source: SqliteSource,
  target: PostgresTarget,
  plans: TablePlan[],
  options: CopyOptions,
  progress: Progress,
): Promise<TableCopy[]> {
  const results: TableCopy[] = [];
  for (const plan of plans) {
    if (plan.skip) continue;
    results.push(await copyTable(source, target, plan, options, progress));
  }
  for (const plan of plans) {
    if (plan.skip) continue;
    for (const { column, next } of await target.advanceSequences(plan)) {
      progress.note(`${plan.name}.${column} continues at ${next.toLocaleString("en-US")}`);
    }
  }
  return results;
}
