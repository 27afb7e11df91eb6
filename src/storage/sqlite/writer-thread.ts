/**
 * The server's SQLite writer thread: stores batches of plain messages on a connection of
 * its own, so the statements, the commit and its WAL writes run beside the event loop
 * instead of inside it. Message ids and event payloads are made here the way the
 * message service makes them on the main thread (`timeOrderedId`, `messageNewPayload`).
 */
import { parentPort, workerData } from "node:worker_threads";
import SqliteDatabase from "better-sqlite3";
import { messageNewPayload } from "../../messages/present.js";
import type { AppendRequest } from "../message-append.js";
import { timeOrderedId } from "../time-ordered-id.js";
import { type AppendRunner, appendRunner } from "./append-runner.js";
import { applyPragmas } from "./connect.js";

export interface WriterRequest {
  id: number;
  requests: AppendRequest[];
  now: number;
}

const { path } = workerData as { path: string };
const db = new SqliteDatabase(path, { fileMustExist: true });
applyPragmas(db);
let run: AppendRunner | undefined;

parentPort?.on("message", (message: WriterRequest | "stop") => {
  if (message === "stop") {
    db.close();
    parentPort?.close();
    return;
  }
  const { id, requests, now } = message;
  try {
    run ??= appendRunner(db);
    const results = run({
      requests,
      now,
      newId: () => timeOrderedId(now),
      eventPayload: messageNewPayload,
    });
    parentPort?.postMessage({ id, results });
  } catch (err) {
    const { message: text, code } = err as { message?: string; code?: string };
    parentPort?.postMessage({ id, error: { message: String(text), code } });
  }
});
