/**
 * The cryptography of the key backup (docs/E2EE.md, "History on a new device"), the same
 * in the terminal client and the browser: a random 256-bit backup key, wrapped under a
 * key derived from the person's recovery passphrase with argon2id, and chunks of history
 * sealed under keys derived from it. The server keeps only the wrapped key and the
 * sealed chunks.
 *
 * Pure JavaScript (@noble/hashes, @noble/ciphers) rather than Web Crypto: the browser's
 * crypto.subtle exists only in a secure context, and a server reached over plain HTTP on
 * a closed network would leave the web app without it.
 */
import { gcm } from "@noble/ciphers/aes.js";
import { hkdf } from "@noble/hashes/hkdf.js";
import { hmac } from "@noble/hashes/hmac.js";
import { sha256 } from "@noble/hashes/sha2.js";
import type { BackupKdf, PutKeyBackupBody } from "@private-chat/protocol/key-backup";
import { argon2id } from "hash-wasm";
import { fromBase64Url, toBase64Url } from "./register.js";

export const BACKUP_KEY_BYTES = 32;
const NONCE_BYTES = 12;
const SALT_BYTES = 16;
/** The cost of password hashing on the server (auth/passwords.ts): OWASP's argon2id. */
export const BACKUP_KDF_COST = { memory_kib: 19_456, iterations: 2, parallelism: 1 } as const;

const encoder = new TextEncoder();
// Labels keep each use of a key apart: a wrapped key cannot be passed off as a chunk.
const WRAP_LABEL = encoder.encode("private-chat key backup v1: wrapped key");
const SEAL_INFO = encoder.encode("private-chat key backup v1: chunk key");
const ID_INFO = encoder.encode("private-chat key backup v1: chunk id");

/** The passphrase did not open the backup: a wrong one, or a damaged backup. */
export class BackupKeyRefused extends Error {
  constructor() {
    super("the passphrase does not open this key backup");
    this.name = "BackupKeyRefused";
  }
}

/** A chunk that does not open under the backup key: damaged, or not this backup's. */
export class ChunkRefused extends Error {
  constructor(id: string) {
    super(`the backup chunk ${id} does not open with this backup key`);
    this.name = "ChunkRefused";
  }
}

function random(bytes: number): Uint8Array {
  const out = new Uint8Array(bytes);
  globalThis.crypto.getRandomValues(out);
  return out;
}

/** A new backup key, made on the device and never sent to the server unwrapped. */
export function newBackupKey(): Uint8Array {
  return random(BACKUP_KEY_BYTES);
}

/**
 * The passphrase as it is hashed: NFKC, so that one passphrase typed on two keyboards
 * (composed or decomposed accents) is one key. The only place it is normalised; an app
 * checking its length counts this form (passphraseChars).
 */
export function normalisedPassphrase(passphrase: string): string {
  return passphrase.normalize("NFKC");
}

/** The characters (code points) of the passphrase as it is hashed, for a length check. */
export function passphraseChars(passphrase: string): number {
  return [...normalisedPassphrase(passphrase)].length;
}

/**
 * argon2id in WebAssembly (hash-wasm): the pure-JavaScript one took several seconds in a
 * browser at these costs, and a person waits for it at every set-up and restore. Same
 * function, same bytes: backups made before open as they did.
 */
export async function passphraseKey(passphrase: string, kdf: BackupKdf): Promise<Uint8Array> {
  return argon2id({
    password: encoder.encode(normalisedPassphrase(passphrase)),
    salt: fromBase64Url(kdf.salt),
    memorySize: kdf.memory_kib,
    iterations: kdf.iterations,
    parallelism: kdf.parallelism,
    hashLength: 32,
    outputType: "binary",
  });
}

function seal(key: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Uint8Array {
  const nonce = random(NONCE_BYTES);
  const sealed = gcm(key, nonce, aad).encrypt(plaintext);
  const out = new Uint8Array(NONCE_BYTES + sealed.length);
  out.set(nonce);
  out.set(sealed, NONCE_BYTES);
  return out;
}

function open(key: Uint8Array, aad: Uint8Array, data: Uint8Array): Uint8Array | undefined {
  if (data.length < NONCE_BYTES + 16) return undefined;
  try {
    return gcm(key, data.subarray(0, NONCE_BYTES), aad).decrypt(data.subarray(NONCE_BYTES));
  } catch {
    return undefined;
  }
}

/** The backup key wrapped under `passphrase`, as `PUT /api/v1/key-backup` takes it. */
export async function wrapBackupKey(
  key: Uint8Array,
  passphrase: string,
): Promise<PutKeyBackupBody> {
  const kdf: BackupKdf = {
    algorithm: "argon2id",
    ...BACKUP_KDF_COST,
    salt: toBase64Url(random(SALT_BYTES)),
  };
  const wrapped = seal(await passphraseKey(passphrase, kdf), WRAP_LABEL, key);
  return { kdf, wrapped_key: toBase64Url(wrapped) };
}

/** The backup key, or BackupKeyRefused when the passphrase is not the one it was wrapped under. */
export async function unwrapBackupKey(
  backup: Pick<PutKeyBackupBody, "kdf" | "wrapped_key">,
  passphrase: string,
): Promise<Uint8Array> {
  const key = open(
    await passphraseKey(passphrase, backup.kdf),
    WRAP_LABEL,
    fromBase64Url(backup.wrapped_key),
  );
  if (!key || key.length !== BACKUP_KEY_BYTES) throw new BackupKeyRefused();
  return key;
}

/**
 * A chunk's id from what it holds (a device, a conversation, a range of messages): a
 * keyed hash, so the server cannot tell which conversation a chunk is of, and the device
 * that writes the same chunk again names it the same.
 */
export function chunkIdOf(key: Uint8Array, parts: readonly string[]): string {
  const idKey = hkdf(sha256, key, undefined, ID_INFO, 32);
  return toBase64Url(hmac(sha256, idKey, encoder.encode(parts.join("\u0000"))));
}

/** The chunk sealed under the backup key, bound to its id (base64url, for PUT). */
export function sealChunk(key: Uint8Array, id: string, plaintext: Uint8Array): string {
  const sealKey = hkdf(sha256, key, undefined, SEAL_INFO, 32);
  return toBase64Url(seal(sealKey, encoder.encode(id), plaintext));
}

/** The chunk's plaintext, or ChunkRefused: a chunk moved to another id does not open. */
export function openChunk(key: Uint8Array, id: string, data: string): Uint8Array {
  const sealKey = hkdf(sha256, key, undefined, SEAL_INFO, 32);
  const plaintext = open(sealKey, encoder.encode(id), fromBase64Url(data));
  if (!plaintext) throw new ChunkRefused(id);
  return plaintext;
}
