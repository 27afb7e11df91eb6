/**
 * Where attachment bytes live. Blobs are content-addressed: a blob's name starts with the
 * SHA-256 of its bytes, so the same content is stored once while it is kept. A name is
 * used for one life of the content only: once a blob is deleted, the next upload of the
 * same bytes is stored under a new name (`<sha256>-<random>`), so that a delete still on
 * its way can never remove it (src/attachments/blob-lives.ts). Blobs stored before names
 * had a suffix keep the bare SHA-256.
 */
import { randomBytes } from "node:crypto";
import type { Readable } from "node:stream";

/** An inclusive byte range, as in an HTTP Range header. */
export interface ByteRange {
  start: number;
  end: number;
}

export interface StoredBlob {
  /** Hex SHA-256 of the bytes. */
  sha256: string;
  size: number;
}

export interface BlobStore {
  /**
   * Stores the stream's bytes under `name`; resolves once they are durable. Throws (and
   * keeps nothing) unless the bytes hash to the SHA-256 the name starts with.
   */
  put(name: string, source: Readable): Promise<StoredBlob>;
  /** The blob's bytes (or one range of them); undefined when no such blob exists. */
  get(name: string, range?: ByteRange): Promise<Readable | undefined>;
  /** The blob's size in bytes, or undefined when it does not exist. */
  size(name: string): Promise<number | undefined>;
  exists(name: string): Promise<boolean>;
  /** Removes the blob; removing a missing blob is not an error. */
  delete(name: string): Promise<void>;
}

const NAME = /^([0-9a-f]{64})(?:-[0-9a-f]{16})?$/;

/** Names reach the stores from the database only, but a path is built from them: check. */
export function assertKey(name: string): void {
  if (!NAME.test(name)) throw new Error(`not a blob name: ${JSON.stringify(name)}`);
}

/** The SHA-256 a blob's bytes must have. */
export function sha256OfName(name: string): string {
  const match = NAME.exec(name);
  if (!match?.[1]) throw new Error(`not a blob name: ${JSON.stringify(name)}`);
  return match[1];
}

/** A name for a new life of this content, never used before. */
export function newBlobName(sha256: string): string {
  return `${sha256}-${randomBytes(8).toString("hex")}`;
}

/** The bytes did not hash to their name: a fault of the caller, and nothing was kept. */
export class BlobMismatch extends Error {
  constructor(name: string, actual: string) {
    super(`bytes for blob ${name} hash to ${actual}`);
    this.name = "BlobMismatch";
  }
}
