/**
 * The one rule every path that stores or removes attachment bytes obeys, so that nothing
 * acknowledged is lost and nothing deleted stays readable:
 *
 * - an upload records its reference (a pending attachment row naming a live blob, found
 *   or created and locked in the same transaction) before it writes a byte;
 * - a blob's bytes are deleted only after a transaction has seen no row refer to it and
 *   marked it deleting, and a deleting blob is never referred to again: the next upload of
 *   that content gets a blob of its own under a new name.
 *
 * So a collection deciding on a blob and an upload claiming it are serialised by the
 * database (the blob's row lock on PostgreSQL, the single writer on SQLite), on every node
 * sharing it, whatever directory or bucket holds the bytes; and a delete on its way can
 * only ever reach bytes no one refers to. Every remover (collection of deleted messages'
 * files, expiry of unsent uploads, a failed upload) goes through collectBlobs().
 */
import type { AttachmentRow } from "../storage/attachments.js";
import type { Repositories, Store } from "../storage/store.js";
import { type BlobStore, newBlobName } from "./blob-store.js";

const BATCH = 100;

/**
 * Inside the upload's transaction: the blob each content is to be stored in, claimed in
 * hash order (two uploads never wait on each other crosswise).
 */
export async function claimBlobs(
  tx: Repositories,
  sha256s: readonly string[],
  now: number,
): Promise<Map<string, string>> {
  const names = new Map<string, string>();
  for (const sha256 of [...new Set(sha256s)].sort()) {
    names.set(sha256, await tx.blobs.claim(sha256, newBlobName(sha256), now));
  }
  return names;
}

function blobsOf(row: AttachmentRow): string[] {
  return [row.blob, ...(row.thumbnail_blob ? [row.thumbnail_blob] : [])];
}

/**
 * Removes the rows awaiting collection (deleted messages' files, expired or withdrawn
 * uploads) and then the bytes of every blob left without a reference. Safe to run on
 * several nodes at once: each step is idempotent.
 */
export async function collectBlobs(store: Store, blobs: BlobStore): Promise<void> {
  for (;;) {
    const rows = await store.attachments.awaitingCollection(BATCH);
    if (rows.length === 0) break;
    for (const row of rows) {
      await store.transaction(async (tx) => {
        const names = blobsOf(row);
        // Held to the end: an upload claiming one of these waits, then sees the verdict.
        await tx.blobs.lock(names);
        await tx.attachments.remove(row.id);
        const now = Date.now();
        for (const name of names) {
          if (!(await tx.attachments.referencesBlob(name))) await tx.blobs.markDeleting(name, now);
        }
      });
    }
  }
  // Also what an earlier pass (on any node) marked and did not finish.
  for (;;) {
    const doomed = await store.blobs.deleting(BATCH);
    if (doomed.length === 0) return;
    for (const name of doomed) {
      await blobs.delete(name);
      await store.blobs.remove(name);
    }
  }
}

/**
 * After an upload failed or expired before it was acknowledged, and its row was collected:
 * bytes it may still have written under a name that is no longer live (collection was
 * faster than the write) belong to no one, since such a name is never used again.
 */
export async function discardUnclaimed(
  store: Store,
  blobs: BlobStore,
  names: readonly string[],
): Promise<void> {
  for (const name of names) {
    if (!(await store.blobs.isLive(name))) await blobs.delete(name);
  }
}
