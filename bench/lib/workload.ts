/**
 * What a workload is to the runner: its numeric flags with defaults and bounds, and a
 * run function that gets the parsed flags, the server options and the deadline, and
 * returns the record to save and the rows of the human table.
 */
import type { ServerOptions } from "./chat-server.js";
import { openFileLimit } from "./proc.js";

export interface FlagSpec {
  default: number;
  min: number;
  max: number;
  help: string;
  /** Allows fractions (rates); otherwise the value must be a whole number. */
  fractional?: boolean;
  /** Flags with no default are unset unless given. */
  optional?: boolean;
}

export interface WorkloadContext {
  flags: Record<string, number | undefined>;
  server: ServerOptions;
  /** Also run the raw relay on the same workload (off with --no-relay). */
  relay: boolean;
  /** performance.now() time by which the workload must be done. */
  deadline: number;
}

export interface WorkloadOutput {
  record: Record<string, unknown>;
  /** Rows of [measure, ours, relay, ratio or note]. */
  table: string[][];
  /** Correctness failures (lost, duplicated, timed out...): the run exits with status 1. */
  problems: string[];
}

export interface Workload {
  name: string;
  summary: string;
  flags: Record<string, FlagSpec>;
  /** The global time limit when --timeout is not given (default 120 s). */
  defaultTimeoutS?: number;
  run(ctx: WorkloadContext): Promise<WorkloadOutput>;
}

/** A numeric flag's value, which the runner has already validated and defaulted. */
export function flag(ctx: WorkloadContext, name: string): number {
  const value = ctx.flags[name];
  if (value === undefined) throw new Error(`--${name} is not set`);
  return value;
}

export function progress(message: string): void {
  process.stderr.write(`bench: ${message}\n`);
}

/** Prints rows as an aligned table on stderr (stdout carries the JSON line). */
export function printTable(title: string, rows: string[][]): void {
  const widths: number[] = [];
  for (const row of rows)
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, cell.length);
    });
  const lines = rows.map((row) =>
    row
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join("  ")
      .trimEnd(),
  );
  process.stderr.write(`\n${title}\n${lines.join("\n")}\n\n`);
}

/** ours / relay, as text with two decimals ("-" when there is no relay figure). */
export function ratio(ours: number, relay: number | undefined): string {
  if (relay === undefined || relay === 0) return "-";
  return (ours / relay).toFixed(2);
}

/** A failure whose message says it all (a precondition, a limit): printed without a stack. */
export class BenchError extends Error {}

/**
 * Refuses a run of `sockets` sockets when the open-file limit is too low, naming the
 * command to raise it: the generator and the server each hold one descriptor per socket,
 * plus their own.
 */
export function requireOpenFiles(sockets: number): void {
  const limit = openFileLimit();
  if (sockets + 256 <= limit) return;
  throw new BenchError(
    `${sockets} sockets need an open-file limit above ${sockets + 256}, and this shell allows ${limit}: ` +
      `raise it with \`ulimit -n ${sockets + 1024}\` (up to the hard limit, \`ulimit -Hn\`) or pass a smaller --sockets`,
  );
}
