/**
 * Files in end-to-end encrypted conversations (docs/E2EE.md, "Encrypted attachments"):
 * each file is sealed on the device with a fresh AES-256-GCM key and nonce, and only the
 * ciphertext is uploaded; the key, the nonce and the file's name, type, size and SHA-256
 * travel inside the encrypted message (protocol's encrypted-content.ts). A device that
 * opens the message downloads the ciphertext and opens it, and refuses it unless both the
 * GCM tag and the hash hold.
 *
 * Web Crypto (globalThis.crypto.subtle), in Node.js 20 and in browsers: a browser is a
 * device only in a secure context, where it exists. A file is held in memory whole, at
 * most MAX_SEALED_FILE_BYTES; the server's own `[uploads] max_file_bytes` (25 MiB by
 * default) refuses the ciphertext past it, tag included.
 */
import type { EncryptedFile } from "@private-chat/protocol/encrypted-content";
import type { ApiClient } from "../rest.js";
import { fromBase64Url, toBase64Url } from "./register.js";

/** The GCM tag the ciphertext has beyond the plaintext. */
export const SEALED_FILE_OVERHEAD = 16;
/** The largest file sealed here: it is read, sealed and uploaded from memory. */
export const MAX_SEALED_FILE_BYTES = 256 * 1024 * 1024;
/** The name every sealed file is uploaded under; the real one travels encrypted. */
export const SEALED_UPLOAD_NAME = "encrypted";

// A label as associated data keeps a file's ciphertext from passing for anything else
// sealed under the same key (there is nothing else, but it costs nothing).
const LABEL = new TextEncoder().encode("private-chat encrypted file v1");

/** A file that does not open: the wrong key, or ciphertext changed on the way or on the server. */
export class FileRefused extends Error {
  constructor(reason: string) {
    super(`the file does not open: ${reason}`);
    this.name = "FileRefused";
  }
}

/** What to send: the file's bytes, its name and its MIME type. */
export interface PlainFile {
  name: string;
  type: string;
  bytes: Uint8Array;
}

const subtle = () => globalThis.crypto.subtle;

/** A copy backed by its own ArrayBuffer, as Web Crypto's types ask. */
const own = (bytes: Uint8Array): Uint8Array<ArrayBuffer> => new Uint8Array(bytes);

async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await subtle().digest("SHA-256", own(bytes)));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

function keyOf(raw: Uint8Array, use: "encrypt" | "decrypt") {
  return subtle().importKey("raw", own(raw), { name: "AES-GCM" }, false, [use]);
}

/**
 * Seals a file under a fresh key and nonce: its ciphertext, and the reference (all but
 * `attachment_id`, which the upload gives) that opens it.
 */
export async function sealFile(
  file: PlainFile,
): Promise<{ ciphertext: Uint8Array; reference: Omit<EncryptedFile, "attachment_id"> }> {
  if (file.bytes.length > MAX_SEALED_FILE_BYTES)
    throw new RangeError(`a file sent encrypted may be at most ${MAX_SEALED_FILE_BYTES} bytes`);
  const raw = globalThis.crypto.getRandomValues(new Uint8Array(32));
  const iv = globalThis.crypto.getRandomValues(new Uint8Array(12));
  const key = await keyOf(raw, "encrypt");
  const sealed = await subtle().encrypt(
    { name: "AES-GCM", iv, additionalData: LABEL },
    key,
    own(file.bytes),
  );
  return {
    ciphertext: new Uint8Array(sealed),
    reference: {
      key: toBase64Url(raw),
      iv: toBase64Url(iv),
      name: file.name,
      type: file.type,
      size: file.bytes.length,
      sha256: await sha256Hex(file.bytes),
    },
  };
}

/** Opens a file's ciphertext with its reference; throws FileRefused unless tag and hash hold. */
export async function openFile(ciphertext: Uint8Array, file: EncryptedFile): Promise<Uint8Array> {
  if (ciphertext.length !== file.size + SEALED_FILE_OVERHEAD)
    throw new FileRefused(
      `it has ${ciphertext.length} bytes where the message says ${file.size + SEALED_FILE_OVERHEAD}`,
    );
  let plain: Uint8Array;
  try {
    const key = await keyOf(fromBase64Url(file.key), "decrypt");
    const iv = own(fromBase64Url(file.iv));
    plain = new Uint8Array(
      await subtle().decrypt({ name: "AES-GCM", iv, additionalData: LABEL }, key, own(ciphertext)),
    );
  } catch {
    throw new FileRefused("its authentication tag does not verify under the message's key");
  }
  if ((await sha256Hex(plain)) !== file.sha256)
    throw new FileRefused("its SHA-256 is not the one the message gives");
  return plain;
}

/** Seals `file` and uploads its ciphertext to the conversation, under the neutral name. */
export async function uploadSealedFile(
  api: ApiClient,
  conversationId: string,
  file: PlainFile,
): Promise<EncryptedFile> {
  const { ciphertext, reference } = await sealFile(file);
  const blob = new Blob([own(ciphertext)], { type: "application/octet-stream" });
  const uploaded = await api.uploadAttachment(conversationId, blob, SEALED_UPLOAD_NAME);
  return { attachment_id: uploaded.id, ...reference };
}

/**
 * Downloads a file's ciphertext and opens it. No more than the message says is read: a
 * server that sends more is refused before it fills the memory.
 */
export async function downloadSealedFile(api: ApiClient, file: EncryptedFile): Promise<Uint8Array> {
  const response = await api.downloadAttachment(file.attachment_id);
  const expected = file.size + SEALED_FILE_OVERHEAD;
  const length = Number(response.headers.get("content-length") ?? Number.NaN);
  if (Number.isFinite(length) && length !== expected) {
    await response.body?.cancel();
    throw new FileRefused(`it has ${length} bytes where the message says ${expected}`);
  }
  return openFile(await readAtMost(response, expected + 1), file);
}

/** The body's bytes, at most `limit` of them (one more than expected shows it is too long). */
async function readAtMost(response: Response, limit: number): Promise<Uint8Array> {
  const out = new Uint8Array(limit);
  let filled = 0;
  const reader = response.body?.getReader();
  while (reader) {
    const { done, value } = await reader.read();
    if (done) break;
    const room = limit - filled;
    out.set(value.subarray(0, room), filled);
    filled += Math.min(value.length, room);
    if (filled >= limit) {
      await reader.cancel();
      break;
    }
  }
  return out.subarray(0, filled);
}
