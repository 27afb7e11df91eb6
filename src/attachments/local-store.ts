/**
 * Blobs as files under the uploads directory: `blobs/ab/cd/<sha256>`, private to the
 * server's user (directories 0700, files 0600). Bytes are written to a temporary file
 * beside the blobs and renamed into place once complete, so a reader never sees half a
 * file and a failed upload leaves nothing behind.
 */
import { createHash, randomUUID } from "node:crypto";
import { createReadStream } from "node:fs";
import { chmod, mkdir, rename, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { type Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { assertKey, type BlobStore, type ByteRange, type StoredBlob } from "./blob-store.js";
import { createPrivateFile } from "./private-file.js";

const DIR_MODE = 0o700;

/** A pass-through that hashes and counts what flows through it. */
export function hashingCounter(): Transform & { digest(): StoredBlob } {
  const hash = createHash("sha256");
  let size = 0;
  const transform = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      size += chunk.length;
      done(null, chunk);
    },
  });
  return Object.assign(transform, { digest: () => ({ key: hash.digest("hex"), size }) });
}

export class LocalBlobStore implements BlobStore {
  private readonly blobs: string;
  /** Temporary files of unfinished writes; also the staging area of uploads. */
  readonly tmp: string;

  constructor(readonly root: string) {
    this.blobs = join(root, "blobs");
    this.tmp = join(root, "tmp");
  }

  /** Creates the directories with private permissions (idempotent). */
  async init(): Promise<void> {
    for (const dir of [this.root, this.blobs, this.tmp]) {
      await mkdir(dir, { recursive: true, mode: DIR_MODE });
      await chmod(dir, DIR_MODE);
    }
  }

  private pathOf(key: string): string {
    assertKey(key);
    return join(this.blobs, key.slice(0, 2), key.slice(2, 4), key);
  }

  async put(source: Readable): Promise<StoredBlob> {
    await this.init();
    const temp = join(this.tmp, `${randomUUID()}.part`);
    const counter = hashingCounter();
    try {
      await pipeline(source, counter, await createPrivateFile(temp));
      const stored = counter.digest();
      const target = this.pathOf(stored.key);
      await mkdir(join(target, ".."), { recursive: true, mode: DIR_MODE });
      // Same key, same bytes: replacing an existing blob changes nothing.
      await rename(temp, target);
      return stored;
    } catch (err) {
      await rm(temp, { force: true });
      throw err;
    }
  }

  async get(key: string, range?: ByteRange): Promise<Readable | undefined> {
    if (!(await this.exists(key))) return undefined;
    return createReadStream(this.pathOf(key), range ? { start: range.start, end: range.end } : {});
  }

  async size(key: string): Promise<number | undefined> {
    try {
      const info = await stat(this.pathOf(key));
      return info.isFile() ? info.size : undefined;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw err;
    }
  }

  async exists(key: string): Promise<boolean> {
    return (await this.size(key)) !== undefined;
  }

  async delete(key: string): Promise<void> {
    await rm(this.pathOf(key), { force: true });
  }
}
