/**
 * Runs in a worker thread: copies the WAL back into the database file on its own
 * connection, so the fsync a checkpoint needs never stalls the thread serving sockets.
 */
import { statSync } from "node:fs";
import { parentPort, workerData } from "node:worker_threads";
import SqliteDatabase from "better-sqlite3-multiple-ciphers";
import { applyKey, type SqliteKeyData } from "./encryption.js";

const { path, key, intervalMs } = workerData as {
  path: string;
  key: SqliteKeyData | undefined;
  intervalMs: number;
};
const db = new SqliteDatabase(path, { fileMustExist: true });
if (key) applyKey(db, key);

/** The WAL's size and change time when it was last checkpointed. */
let checkpointed = "";

function walState(): string {
  try {
    const stat = statSync(`${path}-wal`);
    return `${stat.size}:${stat.mtimeMs}`;
  } catch {
    return "";
  }
}

const timer = setInterval(() => {
  // A checkpoint only copies what was written, so an idle server skips it: the lock it
  // takes would otherwise make an operator's own checkpoint (the backup guide's
  // `wal_checkpoint(FULL)`) answer busy on a quiet server too.
  const state = walState();
  if (state === checkpointed) return;
  try {
    // PASSIVE never waits for (or blocks) the writer; what it cannot copy now waits for
    // the next round.
    const [result] = db.pragma("wal_checkpoint(PASSIVE)") as {
      busy: number;
      log: number;
      checkpointed: number;
    }[];
    if (result?.busy === 0 && result.checkpointed === result.log) checkpointed = state;
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
