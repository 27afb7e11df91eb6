/**
 * Blobs as files under the uploads directory: `blobs/ab/cd/<name>`, private to the
 * server's user (directories 0700, files 0600). Bytes are written to a temporary file
 * beside the blobs and renamed into place once complete, so a reader never sees half a
 * file and a failed upload leaves nothing behind.
 */
import { randomUUID } from "node:crypto";
import { createReadStream } from "node:fs";
import { chmod, mkdir, rename, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import {
  assertKey,
  BlobMismatch,
  type BlobStore,
  type ByteRange,
  type StoredBlob,
  sha256OfName,
} from "./blob-store.js";
import { hashingCounter } from "./content-hash.js";
import { createPrivateFileIn } from "./private-file.js";

const DIR_MODE = 0o700;

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

  private pathOf(name: string): string {
    assertKey(name);
    return join(this.blobs, name.slice(0, 2), name.slice(2, 4), name);
  }

  async put(name: string, source: Readable): Promise<StoredBlob> {
    const target = this.pathOf(name);
    await this.init();
    const temp = join(this.tmp, `${randomUUID()}.part`);
    const counter = hashingCounter();
    try {
      await pipeline(source, counter, await createPrivateFileIn(temp));
      const stored = counter.digest();
      if (stored.sha256 !== sha256OfName(name)) throw new BlobMismatch(name, stored.sha256);
      await mkdir(join(target, ".."), { recursive: true, mode: DIR_MODE });
      // Same name, same bytes: replacing an existing blob changes nothing.
      await rename(temp, target);
      return stored;
    } catch (err) {
      await rm(temp, { force: true });
      throw err;
    }
  }

  async get(name: string, range?: ByteRange): Promise<Readable | undefined> {
    if (!(await this.exists(name))) return undefined;
    return createReadStream(this.pathOf(name), range ? { start: range.start, end: range.end } : {});
  }

  async size(name: string): Promise<number | undefined> {
    try {
      const info = await stat(this.pathOf(name));
      return info.isFile() ? info.size : undefined;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw err;
    }
  }

  async exists(name: string): Promise<boolean> {
    return (await this.size(name)) !== undefined;
  }

  async delete(name: string): Promise<void> {
    await rm(this.pathOf(name), { force: true });
  }
}
