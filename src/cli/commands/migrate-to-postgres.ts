/**
 * `chat-server migrate-to-postgres`: copies a SQLite database into PostgreSQL, verifies
 * the copy, and prints a per-table summary. The work lives in ops/migrate-to-postgres/.
 */
import { MigrationError } from "../../ops/migrate-to-postgres/errors.js";
import { nextConfig } from "../../ops/migrate-to-postgres/next-config.js";
import { Progress } from "../../ops/migrate-to-postgres/progress.js";
import { migrateToPostgres } from "../../ops/migrate-to-postgres/run.js";
import { mismatchLine, rate, summaryTable } from "../../ops/migrate-to-postgres/summary.js";
import { targetArgumentProblem } from "../../ops/migrate-to-postgres/target.js";
import { parseCommandArgs, UsageError } from "../args.js";
import type { Command } from "../command.js";
import { USAGE as COMMAND_USAGE, MIGRATE_TO_POSTGRES_USAGE } from "../usage.js";

const DEFAULT_BATCH_SIZE = 2000;
const MAX_BATCH_SIZE = 100_000;

const flags = {
  from: { value: "PATH", description: "the SQLite database file to copy (opened read-only)" },
  "key-file": {
    value: "FILE",
    description: "the key of an encrypted SQLite file ([database] encryption_key_file)",
  },
  to: { value: "URL", description: "the PostgreSQL connection URL to copy into" },
  schema: { value: "NAME", description: "the PostgreSQL schema to create the tables in" },
  resume: { description: "continue an interrupted copy instead of starting over" },
  "batch-size": {
    value: "N",
    description: `rows copied per batch (default ${DEFAULT_BATCH_SIZE}, at most ${MAX_BATCH_SIZE})`,
  },
} as const;

function batchSizeOf(value: string | undefined): number {
  if (value === undefined) return DEFAULT_BATCH_SIZE;
  const size = Number(value);
  if (!/^\d+$/.test(value) || size < 1 || size > MAX_BATCH_SIZE) {
    throw new UsageError(`--batch-size: expected a whole number from 1 to ${MAX_BATCH_SIZE}`);
  }
  return size;
}

function fail(message: string): number {
  process.stderr.write(`chat-server: migrate-to-postgres: ${message}\n`);
  return 1;
}

/** An interrupted copy is safe to continue; say how instead of dying silently. */
function onInterrupt(): void {
  process.stderr.write(
    "\nchat-server: migrate-to-postgres: interrupted; run the same command with --resume to continue\n",
  );
  process.exit(130);
}

async function run(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, flags);
  if (positionals.length > 0 || !values.from || !values.to) {
    throw new UsageError(`usage: chat-server ${MIGRATE_TO_POSTGRES_USAGE}`);
  }
  const batchSize = batchSizeOf(values["batch-size"]);
  const problem = targetArgumentProblem(values.to, values.schema ?? "");
  if (problem) throw new UsageError(problem);
  process.once("SIGINT", onInterrupt);
  try {
    const report = await migrateToPostgres(
      {
        from: values.from,
        keyFile: values["key-file"],
        to: values.to,
        schema: values.schema ?? "",
        resume: values.resume ?? false,
        batchSize,
      },
      new Progress(process.stderr),
    );
    process.stdout.write(summaryTable(report.checks, report.copies));
    process.stdout.write(
      `copied ${rate(report.copiedRows, report.copySeconds)}; verified ${rate(report.verifiedRows, report.verifySeconds)}\n`,
    );
    const mismatch = mismatchLine(report.checks);
    if (mismatch) return fail(mismatch);
    process.stdout.write(
      "verified: every copied table has the same rows and checksum on both sides\n",
    );
    const next = nextConfig({
      from: values.from,
      to: values.to,
      schema: values.schema ?? "",
      storedFiles: report.checks.find((check) => check.table === "blobs")?.sourceRows ?? 0,
    });
    process.stdout.write(`\n${next.toml}`);
    if (next.warning) process.stderr.write(`chat-server: migrate-to-postgres: ${next.warning}\n`);
    return 0;
  } catch (err) {
    if (err instanceof MigrationError) return fail(err.message);
    throw err;
  } finally {
    process.removeListener("SIGINT", onInterrupt);
  }
}

export const migrateToPostgresCmd: Command = {
  name: "migrate-to-postgres",
  usage: COMMAND_USAGE["migrate-to-postgres"],
  flags,
  run,
};
