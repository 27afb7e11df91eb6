/**
 * The run-wide log directory: when CHAT_TEST_LOG_DIR is set (scripts/test.sh sets it),
 * every test server's log lines are kept there, so that scripts/audit-test-logs.ts can
 * check the whole run's logs for tokens and passwords. Unset, nothing is kept.
 */
import { randomUUID } from "node:crypto";
import { appendFileSync, copyFileSync, existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Readable } from "node:stream";

function logDir(): string | undefined {
  const dir = process.env.CHAT_TEST_LOG_DIR;
  if (!dir) return undefined;
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** A file name in the log directory no other server of the run will use. */
function uniqueName(label: string): string {
  return `${label.replace(/[^a-z0-9-]+/gi, "-")}-${process.pid}-${randomUUID().slice(0, 8)}.log`;
}

/** Copies a finished log file into the run's log directory. */
export function keepLogFile(path: string, label = "server"): void {
  const dir = logDir();
  if (dir && existsSync(path)) copyFileSync(path, join(dir, uniqueName(label)));
}

/** pino writes one JSON object per line; other output of a command is not a log line. */
function isLogLine(line: string): boolean {
  if (!line.startsWith("{")) return false;
  try {
    const parsed: unknown = JSON.parse(line);
    return typeof parsed === "object" && parsed !== null && "level" in parsed;
  } catch {
    return false;
  }
}

/** Keeps the log lines a child process writes to `streams`, once they end. */
export function keepLogLines(streams: (Readable | null)[], label: string): void {
  const dir = logDir();
  if (!dir) return;
  const file = join(dir, uniqueName(label));
  for (const stream of streams) {
    if (!stream) continue;
    let partial = "";
    const flush = (text: string) => {
      const lines = text.split("\n").filter(isLogLine);
      if (lines.length > 0) appendFileSync(file, `${lines.join("\n")}\n`);
    };
    stream.on("data", (chunk: Buffer | string) => {
      const text = partial + chunk.toString();
      const cut = text.lastIndexOf("\n");
      partial = text.slice(cut + 1);
      if (cut >= 0) flush(text.slice(0, cut));
    });
    stream.on("end", () => flush(partial));
  }
}
