/**
 * A device's upload of the key backup (docs/E2EE.md, "History on a new device"), the same
 * in the terminal client and the browser: the messages it holds laid out as chunks
 * (history-chunks.ts), sealed under the backup key, and only those that changed since
 * they last left sent again. What the device keeps of it (the key, a hash of what each
 * chunk held when it left, how far into each conversation it has looked) is the app's:
 * a file in the terminal client, IndexedDB in a browser (HistoryBackupStore).
 */
import { ApiError } from "../errors.js";
import type { ApiClient } from "../rest.js";
import type { KeptMessages } from "./chat-state.js";
import { chunkHash, planOf } from "./history-chunks.js";
import { sealChunk } from "./key-backup.js";

/** Where every block of a conversation was last up to date: the store's own mark, and for which device's chunks. */
export type BackupMark<M> = M & { device: string };

/** What a device uploaded of one conversation. */
export interface BackupProgress<M> {
  /** Each chunk it uploaded, with a hash of what it held (chunkHash). */
  uploaded: Record<string, string>;
  /** Absent (a new key, nothing kept): the next upload looks at every block. */
  read?: BackupMark<M>;
}

/** A conversation's messages as the upload reads them. */
export interface KeptSince<M> {
  messages: KeptMessages;
  /** Where they were read to, for the next upload's `since`; none: it looks at every block. */
  mark?: M;
  /** The seqs added or changed since the `since` given; undefined when that cannot be told. */
  changed?: ReadonlySet<string>;
}

/**
 * What a device keeps of the backup, over its own storage. `M` is how the store tells
 * what changed in a conversation since an upload (the terminal client's log position);
 * a store that cannot tell gives no mark, and every block is laid out and compared.
 */
export interface HistoryBackupStore<M extends object = object> {
  /**
   * Runs `work` in turn with every other upload of the account on this device (other
   * processes, other tabs): keeping or forgetting the key also runs under it, so that
   * an upload under way never writes back progress of a key replaced meanwhile.
   */
  withLock<T>(work: () => Promise<T>): Promise<T>;
  /** The backup key kept here; undefined when this device holds none. */
  key(): Promise<Uint8Array | undefined>;
  /** The conversations this device keeps messages of. */
  conversations(): Promise<readonly string[]>;
  progress(conversationId: string): Promise<BackupProgress<M>>;
  keepProgress(conversationId: string, progress: BackupProgress<M>): Promise<void>;
  /** The conversation's messages (read under its lock), with what changed since `since`. */
  kept(conversationId: string, since: M | undefined): Promise<KeptSince<M>>;
  /** Forgets the key and the progress: the backup is gone from the server. */
  forget(): Promise<void>;
}

export interface UploadResult {
  uploaded: number;
  removed: number;
  leftOut: number;
}

/** The server has no backup any more (removed from another device): the key here was forgotten. */
export class BackupGone extends Error {
  constructor() {
    super("the key backup was removed from the server; this device forgot its key");
    this.name = "BackupGone";
  }
}

/**
 * Uploads what changed in the chunks of this device's conversations (`only`: those) and
 * removes the chunks that hold nothing any more. Nothing when the device holds no backup
 * key. When the server has no backup any more, the key here is forgotten: BackupGone.
 *
 * A conversation whose messages only grew since its last complete upload (a send, a
 * message received), in a store that can tell, has only the blocks of the new ones laid
 * out, hashed and compared; any other (the first upload under a key, a message forgotten,
 * another device id) has every block. The mark moves only once a conversation's upload
 * succeeded, so what a failed or interrupted upload left out is sent by the next one.
 */
export function uploadBackup<M extends object>(
  api: ApiClient,
  store: HistoryBackupStore<M>,
  deviceId: string,
  only?: readonly string[],
): Promise<UploadResult> {
  const result: UploadResult = { uploaded: 0, removed: 0, leftOut: 0 };
  return store.withLock(async () => {
    const key = await store.key();
    if (!key) return result;
    for (const conversationId of only ?? (await store.conversations())) {
      const before = await store.progress(conversationId);
      const mark = before.read;
      // What the server holds of this conversation's chunks, kept as each call succeeds.
      const held = { ...before.uploaded };
      const kept = await store.kept(conversationId, mark?.device === deviceId ? mark : undefined);
      const { chunks, leftOut, stale } = planOf(key, deviceId, conversationId, kept, held);
      result.leftOut += leftOut;
      let calls = 0;
      let done = false;
      let forgot = false;
      try {
        for (const [id, plaintext] of chunks) {
          const hash = chunkHash(plaintext);
          if (held[id] === hash) continue;
          await api.keyBackup.putChunk(id, sealChunk(key, id, plaintext));
          held[id] = hash;
          calls++;
          result.uploaded++;
        }
        for (const id of stale) {
          await api.keyBackup.removeChunk(id).catch(ignoreNotFound);
          delete held[id];
          calls++;
          result.removed++;
        }
        done = true;
      } catch (err) {
        if (err instanceof ApiError && err.code === "not_found") {
          await store.forget();
          forgot = true;
          throw new BackupGone();
        }
        throw err;
      } finally {
        // A failed upload leaves the mark where it was: the next looks again from there.
        const read = !done ? mark : kept.mark && { ...kept.mark, device: deviceId };
        const moved = JSON.stringify(read) !== JSON.stringify(mark);
        // Unless the key was just forgotten: its progress is gone, and stays gone.
        if (!forgot && (calls > 0 || moved))
          await store.keepProgress(conversationId, { uploaded: held, ...(read ? { read } : {}) });
      }
    }
    return result;
  });
}

function ignoreNotFound(err: unknown): void {
  if (!(err instanceof ApiError && err.code === "not_found")) throw err;
}
