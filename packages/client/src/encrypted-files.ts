/**
 * Files in end-to-end encrypted conversations on this installation (docs/E2EE.md,
 * "Encrypted attachments"): `send --attach` seals each file here with a key of its own
 * and uploads only the ciphertext (the SDK's encrypted-files.ts); `download` finds the
 * key in a message this device opened and writes the file only once it opened and its
 * hash matched, so a refused file leaves nothing behind.
 */
import { readFile, stat } from "node:fs/promises";
import { basename, extname } from "node:path";
import type { ApiClient } from "@private-chat/sdk";
import {
  contentOf,
  downloadSealedFile,
  type EncryptedFile,
  FileRefused,
  isChatFailure,
  MAX_SEALED_FILE_BYTES,
  uploadSealedFile,
} from "@private-chat/sdk/mls";
import { safeFileName } from "./download-name.js";
import { encryptedChat } from "./encrypted-chat.js";
import { keptConversations, readKept } from "./encrypted-store.js";
import { CliError } from "./errors.js";
import type { Io } from "./io.js";
import { safeInline } from "./sanitize.js";

/** Types a receiving app may show inline; anything else is a file to save. */
const TYPES: Record<string, string> = {
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".gif": "image/gif",
  ".webp": "image/webp",
  ".pdf": "application/pdf",
  ".txt": "text/plain",
};

/** Reads, seals and uploads each file; their references go inside the message. */
export async function sealedUploads(
  api: ApiClient,
  conversationId: string,
  paths: string[],
): Promise<EncryptedFile[]> {
  const files: EncryptedFile[] = [];
  for (const path of paths) {
    let bytes: Uint8Array;
    try {
      // Held in memory whole to be sealed: refused before reading when it cannot be sent.
      if ((await stat(path)).size > MAX_SEALED_FILE_BYTES)
        throw new Error(
          `larger than the ${MAX_SEALED_FILE_BYTES} bytes a file sent encrypted may take`,
        );
      bytes = await readFile(path);
    } catch (err) {
      throw new CliError("invalid_request", `cannot read ${path}: ${(err as Error).message}`);
    }
    const name = safeFileName(basename(path), "file");
    const type = TYPES[extname(name).toLowerCase()] ?? "application/octet-stream";
    files.push(await uploadSealedFile(api, conversationId, { name, type, bytes }));
  }
  return files;
}

/** The reference of `attachmentId` among the messages this device kept, if any. */
export async function keptFileOf(
  userId: string,
  attachmentId: string,
): Promise<EncryptedFile | undefined> {
  for (const id of keptConversations(userId)) {
    const { messages } = await readKept(userId, id, undefined);
    for (const kept of Object.values(messages)) {
      const content = contentOf(kept);
      const file =
        content?.kind === "text"
          ? content.files?.find((f) => f.attachment_id === attachmentId)
          : undefined;
      if (file) return file;
    }
  }
  return undefined;
}

/**
 * The reference of `attachmentId` once each encrypted conversation this device keeps is
 * read up to date: for a file whose message arrived since this device last read.
 */
export async function freshFileOf(
  api: ApiClient,
  userId: string,
  attachmentId: string,
  io: Io,
): Promise<EncryptedFile | undefined> {
  for (const id of keptConversations(userId)) {
    try {
      const chat = await encryptedChat(api, userId, await api.conversation(id), io);
      await chat.reveal(await api.history(id, { limit: 1 }));
    } catch (err) {
      // A conversation left, or one this device cannot read on: the file is not there.
      if (!(err instanceof CliError || isChatFailure(err))) throw err;
    }
  }
  return keptFileOf(userId, attachmentId);
}

/** Downloads and opens the file; only a file that opened is returned to be written. */
export async function openedFile(
  api: ApiClient,
  file: EncryptedFile,
): Promise<{ name: string; bytes: Uint8Array }> {
  try {
    return { name: file.name, bytes: await downloadSealedFile(api, file) };
  } catch (err) {
    if (!(err instanceof FileRefused)) throw err;
    throw new CliError(
      "file_refused",
      `${safeInline(file.name)} ${err.message.replace(/^the file /, "")}; it was changed on the way or on the server, and nothing was saved`,
    );
  }
}
