/**
 * Where a run's numbers go: one JSON line on stdout and appended to
 * bench/results/<workload>.jsonl, stamped with the date, git commit, Node.js version and
 * the machine's cores, so runs on different days and machines can be compared.
 */
import { execFileSync } from "node:child_process";
import { appendFileSync, mkdirSync } from "node:fs";
import os from "node:os";
import { fileURLToPath } from "node:url";

/** bench/results/, or BENCH_RESULTS_DIR (a test's run leaves the project's records alone). */
export function resultsDir(): string {
  const dir =
    process.env.BENCH_RESULTS_DIR ?? fileURLToPath(new URL("../results/", import.meta.url));
  return dir.endsWith("/") ? dir : `${dir}/`;
}

function gitCommit(): string {
  try {
    return execFileSync("git", ["rev-parse", "--short", "HEAD"], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    }).trim();
  } catch {
    return "unknown";
  }
}

export interface RunMeta {
  date: string;
  commit: string;
  node: string;
  cores: number;
  cpu: string;
  /** The machine's 1-minute load average when the record was written: other work skews runs. */
  loadavg_1m: number;
}

export function runMeta(): RunMeta {
  return {
    date: new Date().toISOString(),
    commit: gitCommit(),
    node: process.version,
    cores: os.availableParallelism(),
    cpu: os.cpus()[0]?.model ?? "unknown",
    loadavg_1m: Math.round((os.loadavg()[0] ?? 0) * 100) / 100,
  };
}

/** Prints the record as one JSON line and appends it to bench/results/<workload>.jsonl. */
export function saveResult(workload: string, record: Record<string, unknown>): string {
  const line = JSON.stringify({ workload, ...runMeta(), ...record });
  mkdirSync(resultsDir(), { recursive: true });
  const file = `${resultsDir()}${workload}.jsonl`;
  appendFileSync(file, `${line}\n`);
  process.stdout.write(`${line}\n`);
  return file;
}
