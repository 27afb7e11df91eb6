/**
 * The plaintexts this device kept of one encrypted conversation (encrypted-store.ts), as
 * an append-only file of JSON lines beside the conversation's state, so a live message
 * adds a line instead of rewriting every message kept. The state file names the log's
 * generation and how many of its bytes it goes with, and is written after the lines it
 * counts: lines a stopped process appended past that count are cut off at the next read,
 * never half trusted. Forgetting a message (deleted on the server) writes the log again
 * as the next generation, so the deleted text leaves the file instead of staying behind
 * a marker; the older generation is removed once the state names the new one.
 */
import {
  closeSync,
  fsyncSync,
  openSync,
  readFileSync,
  rmSync,
  truncateSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";
import type { KeptMessage, KeptMessages } from "@private-chat/sdk/mls";
import { CliError } from "./errors.js";

/** One message of the sequence as this device knows it (the SDK's shape). */
export type { KeptMessage, KeptMessages };

/** Which log a state goes with, and how many of its bytes. */
export interface LogRef {
  gen: number;
  bytes: number;
}

export function isLogRef(value: unknown): value is LogRef {
  if (typeof value !== "object" || value === null) return false;
  const v = value as Record<string, unknown>;
  return Number.isSafeInteger(v.gen) && Number.isSafeInteger(v.bytes) && (v.bytes as number) >= 0;
}

const logPath = (dir: string, conversationId: string, gen: number) =>
  join(dir, `${conversationId}.${gen}.log`);

/** The messages of the log `ref` names, lines past its count cut off. */
export function readLog(dir: string, conversationId: string, ref: LogRef): KeptMessages {
  return readLogSince(dir, conversationId, ref, undefined).messages;
}

/**
 * As readLog, also telling the seqs of the lines past byte `since` of the same log (a
 * count an earlier state named, so a line's start): what was added or changed since. A
 * log is only ever appended to within its generation, so nothing before `since` changed.
 * `changed` is undefined when that cannot be told (no `since`, or not a line's start).
 */
export function readLogSince(
  dir: string,
  conversationId: string,
  ref: LogRef,
  since: number | undefined,
): { messages: KeptMessages; changed: Set<string> | undefined } {
  const path = logPath(dir, conversationId, ref.gen);
  // A compaction that stopped after naming the new generation leaves the old one behind.
  rmSync(logPath(dir, conversationId, ref.gen - 1), { force: true });
  const kept: KeptMessages = {};
  const changed = new Set<string>();
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT" && ref.bytes === 0)
      return { messages: kept, changed: since === undefined ? undefined : changed };
    throw new CliError("config_error", `cannot read ${path}: ${(err as Error).message}`);
  }
  if (bytes.length < ref.bytes)
    throw new CliError("config_error", `${path} is shorter than its conversation's state says`);
  if (bytes.length > ref.bytes) truncateSync(path, ref.bytes);
  // Not a line's start (a count from elsewhere): what changed cannot be told.
  const known =
    since !== undefined && since <= ref.bytes && (since === 0 || bytes[since - 1] === 0x0a);
  const start = known ? since : ref.bytes;
  const parse = (text: string, seen?: Set<string>) => {
    for (const line of text.split("\n")) {
      if (line === "") continue;
      try {
        const { seq, ...message } = JSON.parse(line) as { seq: number } & KeptMessage;
        kept[seq] = message as KeptMessage;
        seen?.add(String(seq));
      } catch {
        throw new CliError("config_error", `${path} is not an encrypted conversation's messages`);
      }
    }
  };
  parse(bytes.subarray(0, start).toString("utf8"));
  parse(bytes.subarray(start, ref.bytes).toString("utf8"), changed);
  return { messages: kept, changed: known ? changed : undefined };
}

/**
 * Writes what changed from `before` to `after` (what was read, what is kept now): the
 * new and changed messages appended, or the whole log as a new generation when one was
 * forgotten or there is no log yet. The reference the state must now name.
 */
export function writeLog(
  dir: string,
  conversationId: string,
  ref: LogRef | undefined,
  before: KeptMessages,
  after: KeptMessages,
): LogRef {
  const forgot = Object.keys(before).some((seq) => !(seq in after));
  if (ref === undefined || forgot) {
    const gen = (ref?.gen ?? 0) + 1;
    const bytes = writeLines(logPath(dir, conversationId, gen), "w", Object.entries(after));
    return { gen, bytes };
  }
  // Kept messages are never changed in place, only replaced: a message that is not the
  // very object read is new or changed, with no need to compare their text each save.
  const changed = Object.entries(after).filter(([seq, message]) => before[seq] !== message);
  if (changed.length === 0) return ref;
  const added = writeLines(logPath(dir, conversationId, ref.gen), "a", changed);
  return { gen: ref.gen, bytes: ref.bytes + added };
}

/** Removes the generation before `ref`'s, once the state names `ref`. */
export function dropOlderLog(dir: string, conversationId: string, ref: LogRef): void {
  rmSync(logPath(dir, conversationId, ref.gen - 1), { force: true });
}

function writeLines(path: string, flags: "w" | "a", entries: [string, KeptMessage][]): number {
  const text = entries
    .map(([seq, message]) => `${JSON.stringify({ seq: Number(seq), ...message })}\n`)
    .join("");
  const fd = openSync(path, flags, 0o600);
  try {
    writeSync(fd, text);
    // On disk before the state that counts these bytes is.
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return Buffer.byteLength(text);
}
