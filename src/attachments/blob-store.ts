/**
 * Where attachment bytes live. Blobs are content-addressed: a blob's key is the SHA-256
 * of its bytes, so the same content is stored once and a key never changes meaning.
 */
import type { Readable } from "node:stream";

/** An inclusive byte range, as in an HTTP Range header. */
export interface ByteRange {
  start: number;
  end: number;
}

export interface StoredBlob {
  /** Hex SHA-256 of the bytes: the blob's key. */
  key: string;
  size: number;
}

export interface BlobStore {
  /** Stores the stream's bytes; resolves once they are durable, with their key. */
  put(source: Readable): Promise<StoredBlob>;
  /** The blob's bytes (or one range of them); undefined when no such blob exists. */
  get(key: string, range?: ByteRange): Promise<Readable | undefined>;
  /** The blob's size in bytes, or undefined when it does not exist. */
  size(key: string): Promise<number | undefined>;
  exists(key: string): Promise<boolean>;
  /** Removes the blob; removing a missing blob is not an error. */
  delete(key: string): Promise<void>;
}

const KEY = /^[0-9a-f]{64}$/;

/** Keys reach the stores from the database only, but a path is built from them: check. */
export function assertKey(key: string): void {
  if (!KEY.test(key)) throw new Error(`not a blob key: ${JSON.stringify(key)}`);
}
