/**
 * download <attachment-id> [--out PATH] [--force]: streams a file to disk. Without --out
 * it goes to this directory under the name the server gives (made safe); an existing
 * file is never replaced unless --force says so.
 */
import { createWriteStream, rmSync } from "node:fs";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import { stringOption, type Values } from "../args.js";
import { requireCredentials } from "../current-user.js";
import { dispositionName, safeFileName } from "../download-name.js";
import { CliError, EXIT_OK } from "../errors.js";
import type { Io } from "../io.js";
import { safeInline, safeJson } from "../sanitize.js";
import { apiFor } from "../session.js";

const ATTACHMENT_ID = /^[A-Za-z0-9_-]{1,64}$/;

export async function download(values: Values, positionals: string[], io: Io): Promise<number> {
  const id = (positionals[0] ?? "").trim();
  if (!ATTACHMENT_ID.test(id))
    throw new CliError("invalid_request", `"${safeInline(id)}" is not an attachment id`);
  const api = apiFor(await requireCredentials());
  const response = await api.downloadAttachment(id);
  const path =
    stringOption(values, "out") ??
    safeFileName(dispositionName(response.headers.get("content-disposition")), `attachment-${id}`);
  const file = createWriteStream(path, { flags: values.force ? "w" : "wx", mode: 0o644 });
  const opened = new Promise<void>((resolve, reject) => {
    file.once("open", () => resolve());
    file.once("error", reject);
  });
  try {
    await opened;
  } catch (err) {
    await response.body?.cancel();
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "EEXIST")
      throw new CliError("file_exists", `${safeInline(path)} exists; pass --force to replace it`);
    throw new CliError(
      "write_error",
      `cannot write ${safeInline(path)}: ${(err as Error).message}`,
    );
  }
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
  if (values.json) io.out(safeJson({ id, path, bytes }));
  else io.out(`saved ${safeInline(path)} (${bytes} bytes)`);
  return EXIT_OK;
}
