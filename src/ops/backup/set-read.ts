/**
 * Reading a backup with uploads: its manifest, then the blobs it names, each decrypted
 * as a stream and checked against the SHA-256 and size the manifest gives (and the name
 * of an uploaded file, which is its SHA-256). Used by `backup verify` and by `restore`.
 */
import { createWriteStream, readFileSync, statSync } from "node:fs";
import { mkdir, open, rename, stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import { Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { hashingCounter } from "../../attachments/content-hash.js";
import { isAgeFile, type OpenKey, openSmall, openStream } from "./age-files.js";
import { BackupError } from "./backup-error.js";
import { blobOpenKey } from "./backup-keys.js";
import {
  type BlobEntry,
  databaseBlobPath,
  MANIFEST_LIMIT_BYTES,
  type Manifest,
  parseManifest,
  uploadBlobPath,
} from "./backup-set.js";
import { PRIVATE_MODE, removeQuietly, syncDirectoryOf } from "./private-files.js";

export interface OpenedSet {
  manifest: Manifest;
  /** The folder the blobs are in. */
  dir: string;
  blobKey: OpenKey;
  label: string;
}

export async function openSet(path: string, key: OpenKey): Promise<OpenedSet> {
  let size: number;
  try {
    size = statSync(path).size;
  } catch (err) {
    throw new BackupError(`cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? err})`);
  }
  if (size > MANIFEST_LIMIT_BYTES) {
    throw new BackupError(`${path} is ${size} bytes, too large for a backup manifest`);
  }
  const sealed = readFileSync(path);
  if (!isAgeFile(sealed)) {
    throw new BackupError(
      `${path} is not a backup made with backup --encrypt (a plain or .db.enc backup is checked by restoring it into a spare path; see docs/BACKUP.md)`,
    );
  }
  const clear = await openSmall(key, sealed, path, MANIFEST_LIMIT_BYTES);
  const manifest = parseManifest(clear, path);
  return { manifest, dir: dirname(path), blobKey: blobOpenKey(manifest, key), label: path };
}

/** Decrypts one blob into `target` (0600, created), checking its SHA-256 and size. */
async function extract(
  set: OpenedSet,
  blobPath: string,
  what: string,
  expected: { sha256: string; size: number },
  target: string | undefined,
): Promise<void> {
  const clear = await openStream(set.blobKey, blobPath, what);
  // Never write more than the manifest allows: a runaway blob cannot fill the disk.
  const counter = hashingCounter(
    expected.size,
    () => new BackupError(`${what} is longer than its manifest says`),
  );
  try {
    const sink =
      target === undefined
        ? new Writable({ write: (_chunk, _encoding, done) => done() })
        : createWriteStream(target, { flags: "wx", mode: PRIVATE_MODE });
    await pipeline(clear, counter, sink);
  } catch (err) {
    if (err instanceof BackupError) throw err;
    throw new BackupError(
      `${what} is damaged or truncated (${err instanceof Error ? err.message : String(err)})`,
    );
  }
  const { sha256, size } = counter.digest();
  if (sha256 !== expected.sha256 || size !== expected.size) {
    throw new BackupError(`${what} does not match its manifest (SHA-256 or size differs)`);
  }
  if (target === undefined) return;
  const handle = await open(target, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Decrypts the database image into `target`, a new 0600 file. */
export async function extractDatabase(set: OpenedSet, target: string): Promise<void> {
  const { database, tag } = set.manifest;
  await extract(
    set,
    databaseBlobPath(set.dir, tag, database.sha256),
    `the database of ${set.label}`,
    database,
    target,
  );
}

/** Decrypts one uploaded file into `target`, a new 0600 file (undefined: only checks it). */
export async function extractUpload(
  set: OpenedSet,
  entry: BlobEntry,
  target: string | undefined,
): Promise<void> {
  const path = uploadBlobPath(set.dir, set.manifest.tag, entry.name);
  await extract(set, path, `file ${entry.name} of ${set.label}`, entry, target);
}

/**
 * Puts every file of the backup into the uploads directory, as the server stores them
 * (blobs/ab/cd/name, directories 0700, files 0600), through its tmp/ directory. A file
 * already there with the right size is left alone: names are content hashes.
 */
export async function restoreUploads(
  set: OpenedSet,
  root: string,
): Promise<{ restored: number; present: number }> {
  let restored = 0;
  let present = 0;
  const tmp = join(root, "tmp");
  await mkdir(tmp, { recursive: true, mode: 0o700 });
  for (const entry of set.manifest.uploads ?? []) {
    const target = join(root, "blobs", entry.name.slice(0, 2), entry.name.slice(2, 4), entry.name);
    const existing = await stat(target).catch(() => undefined);
    if (existing?.isFile() && existing.size === entry.size) {
      present += 1;
      continue;
    }
    const temp = join(tmp, `restore-${entry.name}.part`);
    removeQuietly(temp);
    try {
      await extractUpload(set, entry, temp);
      await mkdir(dirname(target), { recursive: true, mode: 0o700 });
      await rename(temp, target);
      syncDirectoryOf(target);
    } finally {
      removeQuietly(temp);
    }
    restored += 1;
  }
  return { restored, present };
}
