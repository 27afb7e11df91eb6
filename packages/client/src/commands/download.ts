/**
 * download <attachment-id> [--out PATH] [--force]: streams a file to disk. Without --out
 * it goes to this directory under the name the server gives (made safe); an existing
 * file is never replaced unless --force says so. A file of an end-to-end encrypted
 * conversation is opened on this device with the key its message holds, under the name
 * the message gives (encrypted-files.ts), and written only once it opened; a file no
 * message this device opened holds is saved as the server stores it. The server's
 * x-chat-encrypted header says which files to look for a key to.
 */
import { createWriteStream, existsSync, rmSync, type WriteStream } from "node:fs";
import { join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import { ENCRYPTED_FILE_HEADER } from "@private-chat/sdk";
import { stringOption, type Values } from "../args.js";
import { configDir } from "../credentials.js";
import { requireCredentials } from "../current-user.js";
import { dispositionName, safeFileName } from "../download-name.js";
import { CliError, EXIT_OK } from "../errors.js";
import type { Io } from "../io.js";
import { safeInline, safeJson } from "../sanitize.js";
import { apiFor } from "../session.js";

const ATTACHMENT_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** The file at `path`, open for writing: created new, or replaced only with --force. */
async function target(values: Values, path: string, cancel: () => unknown): Promise<WriteStream> {
  const file = createWriteStream(path, { flags: values.force ? "w" : "wx", mode: 0o644 });
  try {
    await new Promise<void>((resolve, reject) => {
      file.once("open", () => resolve());
      file.once("error", reject);
    });
    return file;
  } catch (err) {
    await cancel();
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "EEXIST")
      throw new CliError("file_exists", `${safeInline(path)} exists; pass --force to replace it`);
    throw new CliError(
      "write_error",
      `cannot write ${safeInline(path)}: ${(err as Error).message}`,
    );
  }
}

function saved(values: Values, io: Io, id: string, path: string, bytes: number): number {
  if (values.json) io.out(safeJson({ id, path, bytes }));
  else io.out(`saved ${safeInline(path)} (${bytes} bytes)`);
  return EXIT_OK;
}

/** Writes a file opened on this device under the name its message gives (or --out). */
async function saveOpened(
  values: Values,
  io: Io,
  id: string,
  opened: { name: string; bytes: Uint8Array },
): Promise<number> {
  const path = stringOption(values, "out") ?? safeFileName(opened.name, `attachment-${id}`);
  const file = await target(values, path, () => undefined);
  try {
    await pipeline(Readable.from([opened.bytes]), file);
  } catch (err) {
    rmSync(path, { force: true });
    throw new CliError(
      "write_error",
      `cannot write ${safeInline(path)}: ${(err as Error).message}`,
    );
  }
  return saved(values, io, id, path, opened.bytes.length);
}

export async function download(values: Values, positionals: string[], io: Io): Promise<number> {
  const id = (positionals[0] ?? "").trim();
  if (!ATTACHMENT_ID.test(id))
    throw new CliError("invalid_request", `"${safeInline(id)}" is not an attachment id`);
  const credentials = await requireCredentials();
  const api = apiFor(credentials);
  // Only an installation that keeps encrypted conversations loads what opens their files.
  const files = existsSync(join(configDir(), `e2ee-${credentials.user_id}`))
    ? await import("../encrypted-files.js")
    : undefined;
  let response = await api.downloadAttachment(id);
  // The server says whether the file is an encrypted conversation's; the key is in a
  // message: one this device opened, or else one come since it last read. A file no
  // message this device opened holds is saved as the server stores it.
  if (files && response.headers.get(ENCRYPTED_FILE_HEADER) === "true") {
    await response.body?.cancel();
    const sealed =
      (await files.keptFileOf(credentials.user_id, id)) ??
      (await files.freshFileOf(api, credentials.user_id, id, io));
    if (sealed) return saveOpened(values, io, id, await files.openedFile(api, sealed));
    response = await api.downloadAttachment(id);
  }
  const path =
    stringOption(values, "out") ??
    safeFileName(dispositionName(response.headers.get("content-disposition")), `attachment-${id}`);
  const file = await target(values, path, () => response.body?.cancel());
  let bytes = 0;
  try {
    const body = response.body
      ? Readable.fromWeb(response.body as WebReadableStream<Uint8Array>)
      : Readable.from([]);
    body.on("data", (chunk: Buffer) => {
      bytes += chunk.length;
    });
    await pipeline(body, file);
  } catch (err) {
    rmSync(path, { force: true });
    throw new CliError("network_error", `the download stopped: ${(err as Error).message}`);
  }
  return saved(values, io, id, path, bytes);
}
