/**
 * Hashing bytes as they flow, and hashing a file: a blob's name comes from its SHA-256,
 * which an upload needs before its bytes are stored, and a store checks as it writes.
 */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { Transform, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { StoredBlob } from "./blob-store.js";

/**
 * A pass-through that hashes and counts what flows through it; past `limit` bytes (when
 * given) it fails with `tooLong()` instead of passing more on.
 */
export function hashingCounter(
  limit?: number,
  tooLong?: () => Error,
): Transform & { digest(): StoredBlob } {
  const hash = createHash("sha256");
  let size = 0;
  const transform = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      size += chunk.length;
      if (limit !== undefined && size > limit) done(tooLong?.() ?? new Error("too long"));
      else done(null, chunk);
    },
  });
  return Object.assign(transform, { digest: () => ({ sha256: hash.digest("hex"), size }) });
}

/** The SHA-256 and size of a file's bytes. */
export async function hashFile(path: string): Promise<StoredBlob> {
  const counter = hashingCounter();
  const discard = new Writable({ write: (_chunk, _encoding, done) => done() });
  await pipeline(createReadStream(path), counter, discard);
  return counter.digest();
}
