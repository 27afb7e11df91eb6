/**
 * Runs in a worker thread: copies the WAL back into the database file on its own
 * connection, so the fsync a checkpoint needs never stalls the thread serving sockets.
 */
import { parentPort, workerData } from "node:worker_threads";
import SqliteDatabase from "better-sqlite3";

const { path, intervalMs } = workerData as { path: string; intervalMs: number };
const db = new SqliteDatabase(path, { fileMustExist: true });

const timer = setInterval(() => {
  try {
    // PASSIVE never waits for (or blocks) the writer; what it cannot copy now waits for
    // the next round.
    db.pragma("wal_checkpoint(PASSIVE)");
  } catch {
    // A busy or closing database is retried next round; the writer's own automatic
    // checkpoint remains the backstop.
  }
}, intervalMs);

parentPort?.on("message", (message) => {
  if (message === "stop") {
    clearInterval(timer);
    db.close();
    parentPort?.close();
  }
});
