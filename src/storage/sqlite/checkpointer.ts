/**
 * Background WAL checkpoints for the server's SQLite database. The writing connection
 * keeps an automatic checkpoint, raised to WRITER_CHECKPOINT_PAGES, as a backstop that
 * bounds the WAL when the background one cannot keep up (a checkpoint that completes
 * in the writer lets the next transaction restart the WAL from its beginning).
 */
import type SqliteDatabase from "better-sqlite3-multiple-ciphers";
import { startWorker } from "../../threads/start-worker.js";
import type { SqliteKey } from "./encryption.js";

/** 16,384 pages of 4 KiB: the WAL may reach 64 MiB before the writer checkpoints itself. */
export const WRITER_CHECKPOINT_PAGES = 16_384;

export interface Checkpointer {
  stop(): Promise<void>;
}

export function startCheckpointer(
  raw: SqliteDatabase.Database,
  path: string,
  key: SqliteKey | undefined,
  intervalMs = 200,
): Checkpointer {
  raw.pragma(`wal_autocheckpoint = ${WRITER_CHECKPOINT_PAGES}`);
  // After the WAL restarts, the file is cut back instead of keeping its largest size.
  raw.pragma(`journal_size_limit = ${WRITER_CHECKPOINT_PAGES * 4096}`);
  const worker = startWorker(import.meta.url, "checkpoint-worker", { path, key, intervalMs });
  worker.unref();
  const exited = new Promise<void>((resolve) => worker.once("exit", () => resolve()));
  worker.on("error", () => {
    // Without the worker the writer checkpoints by itself, as SQLite does by default.
    raw.pragma("wal_autocheckpoint = 1000");
  });
  return {
    async stop() {
      // Referenced again so that the process waits for the worker to close its connection.
      worker.ref();
      worker.postMessage("stop");
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([exited, new Promise((r) => (timer = setTimeout(r, 2000)))]);
      clearTimeout(timer);
      await worker.terminate();
    },
  };
}
