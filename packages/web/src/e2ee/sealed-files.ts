/**
 * Files in end-to-end encrypted conversations on this browser's device (docs/E2EE.md,
 * "Encrypted attachments"), by the SDK's encrypted-files.ts as the terminal client's
 * `send --attach` and `download` use it: a file is sealed here under a fresh key before
 * only its ciphertext is uploaded (state/uploads.ts), and a file of an opened message is
 * downloaded and opened here, its tag and hash checked, before anything of it is shown or
 * saved (components/SealedFiles.tsx). Loaded on demand: it brings the SDK's MLS entry
 * point with it, which a browser that is no device never loads.
 */
import type { EncryptedFile } from "@private-chat/protocol/encrypted-content";
import { MAX_FILE_NAME, MAX_FILE_TYPE } from "@private-chat/protocol/encrypted-content";
import {
  downloadSealedFile,
  FileRefused,
  MAX_SEALED_FILE_BYTES,
  SEALED_UPLOAD_NAME,
  sealFile,
} from "@private-chat/sdk/mls";
import { api, errorText } from "../api.js";
import { formatSize } from "../state/uploads.js";

/**
 * A file sealed for its upload: the ciphertext, the neutral name it uploads under (the
 * real one travels inside the message), and what opens it but the upload's id.
 */
export interface SealedUpload {
  ciphertext: Blob;
  name: string;
  reference: Omit<EncryptedFile, "attachment_id">;
}

/** Why a file is not sent: refused before its bytes are read, or not readable here. */
export class NotSealed extends Error {}

/**
 * Seals `file` under a fresh key and nonce. One larger than the SDK seals (it is held in
 * memory whole) is refused by its size alone, before a byte of it is read.
 */
export async function sealForUpload(file: File): Promise<SealedUpload> {
  if (file.size > MAX_SEALED_FILE_BYTES)
    throw new NotSealed(
      `Too large to send encrypted: at most ${formatSize(MAX_SEALED_FILE_BYTES)} (this file has ${formatSize(file.size)})`,
    );
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await file.arrayBuffer());
  } catch (err) {
    throw new NotSealed(`This file could not be read (${errorText(err)})`);
  }
  // A browser's file names and types are short; the message's schema bounds both.
  const name = (file.name || "pasted file").slice(0, MAX_FILE_NAME);
  const type =
    file.type && file.type.length <= MAX_FILE_TYPE ? file.type : "application/octet-stream";
  const { ciphertext, reference } = await sealFile({ name, type, bytes });
  return {
    ciphertext: new Blob([ciphertext as Uint8Array<ArrayBuffer>], {
      type: "application/octet-stream",
    }),
    name: SEALED_UPLOAD_NAME,
    reference,
  };
}

/**
 * A file of an opened message, downloaded and opened: its bytes only once the GCM tag and
 * the SHA-256 the message names both hold; `refused` when they do not (changed on the
 * way or on the server, or damaged); `failed` when it could not be downloaded.
 */
export type OpenedFile = { bytes: Uint8Array } | { refused: true } | { failed: string };

export async function openSealedFile(file: EncryptedFile): Promise<OpenedFile> {
  try {
    return { bytes: await downloadSealedFile(api, file) };
  } catch (err) {
    if (err instanceof FileRefused) return { refused: true };
    return { failed: errorText(err) };
  }
}
