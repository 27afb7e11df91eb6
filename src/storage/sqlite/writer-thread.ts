/**
 * The server's SQLite writer thread: stores batches of plain messages on a connection of
 * its own, so the statements, the commit and its WAL writes run beside the event loop
 * instead of inside it. It runs the same append plan (message-rules.ts) as every other
 * path that stores messages.
 */
import { parentPort, workerData } from "node:worker_threads";
import SqliteDatabase from "better-sqlite3-multiple-ciphers";
import type { AppendRequest } from "../message-rules.js";
import { type AppendRunner, appendRunner } from "./append-runner.js";
import { applyKey, type SqliteKeyData } from "./encryption.js";
import { applyPragmas } from "./pragmas.js";

export interface WriterRequest {
  id: number;
  requests: AppendRequest[];
  now: number;
  references?: boolean | undefined;
}

const { path, key } = workerData as { path: string; key: SqliteKeyData | undefined };
const db = new SqliteDatabase(path, { fileMustExist: true });
if (key) applyKey(db, key);
applyPragmas(db);
let run: AppendRunner | undefined;

parentPort?.on("message", (message: WriterRequest | "stop") => {
  if (message === "stop") {
    db.close();
    parentPort?.close();
    return;
  }
  const { id, requests, now, references } = message;
  try {
    run ??= appendRunner(db);
    const results = run({ requests, now, references });
    parentPort?.postMessage({ id, results });
  } catch (err) {
    const { message: text, code } = err as { message?: string; code?: string };
    parentPort?.postMessage({ id, error: { message: String(text), code } });
  }
});
