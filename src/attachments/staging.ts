/**
 * Receiving an upload: its bytes stream to a private temporary file while they are
 * counted (and the upload cut off at its limit) and the first ones kept for sniffing.
 * Nothing of it is ever held in memory whole.
 */
import { createHash, randomUUID } from "node:crypto";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { type Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createPrivateFileIn } from "./private-file.js";
import { SNIFF_BYTES } from "./sniff.js";

export class UploadTooLarge extends Error {
  constructor() {
    super("upload over its limit");
    this.name = "UploadTooLarge";
  }
}

export interface StagedFile {
  path: string;
  size: number;
  /** Hex SHA-256 of the bytes, which name the blob they are stored in. */
  sha256: string;
  /** The first bytes, for sniffing the type. */
  head: Buffer;
  /** Removes the temporary file (safe to call twice). */
  discard(): Promise<void>;
}

/**
 * A failure of our own disk (full, unwritable) is a server fault, not the upload's; the
 * file system's errors carry a syscall, a malformed form or a broken decoder's do not.
 */
export function isFileSystemError(err: unknown): boolean {
  return typeof (err as NodeJS.ErrnoException | undefined)?.syscall === "string";
}

/** A source that reports truncation, as a multipart file part does at its size limit. */
export type UploadSource = Readable & { truncated?: boolean };

/**
 * Writes the upload to a new file in `dir`. Throws UploadTooLarge past `limit` bytes,
 * and on any failure leaves no file behind.
 */
export async function stageUpload(
  source: UploadSource,
  dir: string,
  limit: number,
): Promise<StagedFile> {
  const path = join(dir, `${randomUUID()}.upload`);
  const discard = () => rm(path, { force: true });
  let size = 0;
  const hash = createHash("sha256");
  const heads: Buffer[] = [];
  let headBytes = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      size += chunk.length;
      if (size > limit) {
        done(new UploadTooLarge());
        return;
      }
      hash.update(chunk);
      if (headBytes < SNIFF_BYTES) {
        const part = chunk.subarray(0, SNIFF_BYTES - headBytes);
        heads.push(Buffer.from(part));
        headBytes += part.length;
      }
      done(null, chunk);
    },
  });
  try {
    await pipeline(source, meter, await createPrivateFileIn(path));
    // The multipart parser stops a part at its limit and marks it truncated.
    if (source.truncated) throw new UploadTooLarge();
  } catch (err) {
    await discard();
    throw err;
  }
  return { path, size, sha256: hash.digest("hex"), head: Buffer.concat(heads), discard };
}
