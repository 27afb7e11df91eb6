/**
 * Files sealed in the age format (age-encryption.org/v1) through the `age-encryption`
 * library: streamed in and out in 64 KiB chunks, so a file of any size never sits whole in
 * memory. Written files are created 0600 under a temporary name and renamed once complete.
 */
import { createReadStream } from "node:fs";
import { Readable, type Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import { Decrypter, Encrypter } from "age-encryption";
import { BackupError } from "./backup-error.js";

export const AGE_MAGIC = Buffer.from("age-encryption.org/v1\n", "latin1");

export function isAgeFile(head: Buffer): boolean {
  return head.subarray(0, AGE_MAGIC.length).equals(AGE_MAGIC);
}

/** What seals a file: a passphrase (scrypt) or age recipients (`age1...`). */
export type SealKey = { passphrase: string } | { recipients: string[] };
/** What opens one: a passphrase or age identities (`AGE-SECRET-KEY-1...`). */
export type OpenKey = { passphrase: string } | { identities: string[] };

export function encrypter(key: SealKey): Encrypter {
  const e = new Encrypter();
  if ("passphrase" in key) e.setPassphrase(key.passphrase);
  else for (const recipient of key.recipients) e.addRecipient(recipient);
  return e;
}

export function decrypter(key: OpenKey): Decrypter {
  const d = new Decrypter();
  if ("passphrase" in key) d.addPassphrase(key.passphrase);
  else for (const identity of key.identities) d.addIdentity(identity);
  return d;
}

function toWeb(source: Readable): ReadableStream<Uint8Array> {
  return Readable.toWeb(source) as unknown as ReadableStream<Uint8Array>;
}

function fromWeb(stream: ReadableStream<Uint8Array>): Readable {
  return Readable.fromWeb(stream as unknown as WebReadableStream<Uint8Array>);
}

/** Streams `source` through age into `sink`. */
export async function sealStream(key: SealKey, source: Readable, sink: Writable): Promise<void> {
  const sealed = await encrypter(key).encrypt(toWeb(source));
  await pipeline(fromWeb(sealed), sink);
}

/** The library's messages for a bad key or a damaged header, as one operator line. */
export function openFailure(label: string, err: unknown): BackupError {
  const reason = err instanceof Error ? err.message : String(err);
  return new BackupError(`cannot decrypt ${label}: wrong key or damaged file (${reason})`);
}

/**
 * The clear bytes of a sealed file, as a stream. The header (and so the key) is checked
 * before this resolves; damage further in makes the stream fail when it reaches it.
 */
export async function openStream(key: OpenKey, path: string, label: string): Promise<Readable> {
  try {
    const clear = await decrypter(key).decrypt(toWeb(createReadStream(path)));
    return fromWeb(clear);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") {
      throw new BackupError(`${label} is missing (${path})`);
    }
    throw openFailure(label, err);
  }
}

/** Decrypts a small sealed file whole (a manifest or a key), refusing one over `limit`. */
export async function openSmall(
  key: OpenKey,
  data: Buffer,
  label: string,
  limit: number,
): Promise<Buffer> {
  if (data.length > limit) {
    throw new BackupError(`${label} is ${data.length} bytes, over the ${limit}-byte limit`);
  }
  try {
    return Buffer.from(await decrypter(key).decrypt(data));
  } catch (err) {
    throw openFailure(label, err);
  }
}
