/**
 * `chat-server backup` with uploads: a snapshot of the database and the files under the
 * local uploads directory, sealed with age into a backup folder (layout: backup-set.ts).
 * Files already stored by an earlier backup in the folder are named, not copied again.
 * Every file is written under a temporary name and renamed when complete, the manifest
 * last: a backup killed midway leaves no manifest, and the earlier backups as they were.
 */
import { createHash } from "node:crypto";
import {
  createReadStream,
  createWriteStream,
  existsSync,
  readdirSync,
  statSync,
  utimesSync,
} from "node:fs";
import { mkdir, open, rename } from "node:fs/promises";
import { dirname, join } from "node:path";
import { Readable } from "node:stream";
import { sha256OfName } from "../../attachments/blob-store.js";
import type { SqliteKey } from "../../storage/sqlite/encryption.js";
import { encrypter, type SealKey, sealStream } from "./age-files.js";
import { BackupError } from "./backup-error.js";
import { prepareKeys, type WriteKey } from "./backup-keys.js";
import {
  type BlobEntry,
  databaseBlobPath,
  MANIFEST_FORMAT,
  MANIFEST_VERSION,
  type Manifest,
  uploadBlobPath,
} from "./backup-set.js";
import {
  moveNoClobber,
  PRIVATE_MODE,
  removeQuietly,
  syncDirectoryOf,
  tempPathBeside,
  writePrivateFile,
} from "./private-files.js";
import { inspectImage, openSource, refuseUnsound, snapshotToPath } from "./sqlite-backup.js";
import { asRollbackImage, type Inspection, schemaVersionOf } from "./sqlite-file.js";

const BLOB_NAME = /^[0-9a-f]{64}(?:-[0-9a-f]{16})?$/;

export interface SetBackupOptions {
  sourcePath: string;
  /** The database's key when it is encrypted at rest (the backup seals it with age). */
  databaseKey?: SqliteKey | undefined;
  /** The manifest file to create; blobs go beside it. */
  out: string;
  /** The local uploads directory, or undefined to leave uploads out. */
  uploadsRoot: string | undefined;
  key: WriteKey;
  log: (line: string) => void;
  now?: Date;
}

export interface SetBackupResult {
  schemaVersion: string;
  /** Uploaded files the manifest names, and their total size. */
  files: number;
  fileBytes: number;
  /** Blobs this backup wrote (the rest were already in the folder), and their size. */
  written: number;
  writtenBytes: number;
}

/** Yields the file's chunks, hashing them on the way. */
async function* hashing(source: AsyncIterable<Buffer>, hash: ReturnType<typeof createHash>) {
  for await (const chunk of source) {
    hash.update(chunk);
    yield chunk;
  }
}

/** Seals `source` into `target` through a 0600 temporary file; resolves to the clear SHA-256. */
async function sealToFile(key: SealKey, source: AsyncIterable<Buffer>, target: string) {
  await mkdir(dirname(target), { recursive: true, mode: 0o700 });
  const temp = tempPathBeside(target, "partial");
  const hash = createHash("sha256");
  try {
    const sink = createWriteStream(temp, { flags: "wx", mode: PRIVATE_MODE });
    await sealStream(key, Readable.from(hashing(source, hash)), sink);
    const handle = await open(temp, "r");
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
    return { sha256: hash.digest("hex"), temp };
  } catch (err) {
    removeQuietly(temp);
    throw err;
  }
}

/**
 * Marks a blob this backup names as used now: `backup prune` keeps every blob touched
 * since the oldest kept backup began (prune.ts).
 */
function touch(path: string): void {
  const now = new Date();
  utimesSync(path, now, now);
}

/** The blob names under uploads/blobs/ab/cd/, skipping anything else. */
function* uploadedBlobs(root: string): Generator<{ name: string; path: string }> {
  const blobs = join(root, "blobs");
  if (!existsSync(blobs)) return;
  for (const a of readdirSync(blobs).sort()) {
    const level1 = join(blobs, a);
    if (!statSync(level1).isDirectory()) continue;
    for (const b of readdirSync(level1).sort()) {
      const level2 = join(level1, b);
      if (!statSync(level2).isDirectory()) continue;
      for (const name of readdirSync(level2).sort()) {
        if (BLOB_NAME.test(name)) yield { name, path: join(level2, name) };
      }
    }
  }
}

async function storeUpload(
  options: SetBackupOptions,
  blobs: SealKey,
  tag: string,
  upload: { name: string; path: string },
): Promise<{ entry: BlobEntry; written: boolean } | undefined> {
  const dir = dirname(options.out);
  const target = uploadBlobPath(dir, tag, upload.name);
  const expected = sha256OfName(upload.name);
  let size: number;
  try {
    size = statSync(upload.path).size;
  } catch {
    // Deleted since the listing (its message was deleted): nothing to keep.
    return undefined;
  }
  const entry = { name: upload.name, sha256: expected, size };
  if (existsSync(target)) {
    touch(target);
    return { entry, written: false };
  }
  const sealed = await sealToFile(blobs, createReadStream(upload.path), target);
  if (sealed.sha256 !== expected) {
    removeQuietly(sealed.temp);
    options.log(`warning: ${upload.path} does not hash to its name; left out of the backup`);
    return undefined;
  }
  await rename(sealed.temp, target);
  // Durable before the manifest that names it is.
  syncDirectoryOf(target);
  return { entry, written: true };
}

/** A checked snapshot of the database, read as often as needed, then removed. */
interface Snapshot {
  inspection: Inspection;
  size: number;
  read: () => AsyncIterable<Buffer>;
  sha256: () => Promise<string>;
  remove: () => void;
}

/**
 * A clear database is copied page by page into a 0600 file beside it (bounded memory). An encrypted one is serialised in memory: SQLite's backup API will not copy
 * encrypted pages into a clear file, and a clear copy on disk would undo the encryption
 * at rest.
 */
async function databaseSnapshot(options: SetBackupOptions): Promise<Snapshot> {
  const source = openSource(options.sourcePath, options.databaseKey);
  try {
    if (options.databaseKey) {
      // serialize() reads every page inside one read transaction: a consistent snapshot.
      const image = asRollbackImage(source.serialize());
      const inspection = await inspectImage(image);
      refuseUnsound(inspection, options.sourcePath);
      return {
        inspection,
        size: image.length,
        read: () => Readable.from([image]),
        sha256: async () => createHash("sha256").update(image).digest("hex"),
        remove: () => {},
      };
    }
    // Beside the database, not in the backup folder, which may be a less trusted place
    // (a mounted remote disk): only sealed bytes go there.
    const path = tempPathBeside(options.sourcePath, "backup-snapshot");
    try {
      const inspection = await snapshotToPath(source, path, options.sourcePath, options.log);
      return {
        inspection,
        size: statSync(path).size,
        read: () => createReadStream(path),
        sha256: async () => {
          const hash = createHash("sha256");
          for await (const chunk of createReadStream(path)) hash.update(chunk);
          return hash.digest("hex");
        },
        remove: () => removeQuietly(path),
      };
    } catch (err) {
      removeQuietly(path);
      throw err;
    }
  } finally {
    source.close();
  }
}

export async function backupSet(options: SetBackupOptions): Promise<SetBackupResult> {
  const dir = dirname(options.out);
  if (existsSync(options.out)) {
    throw new BackupError(`${options.out} already exists; backups never overwrite a file`);
  }
  if (!existsSync(dir)) throw new BackupError(`the directory ${dir} does not exist`);
  const keys = await prepareKeys(dir, options.key);
  const snapshot = await databaseSnapshot(options);
  let written = 0;
  let writtenBytes = 0;
  let database: { sha256: string; size: number };
  try {
    database = { sha256: await snapshot.sha256(), size: snapshot.size };
    const databaseTarget = databaseBlobPath(dir, keys.tag, database.sha256);
    if (existsSync(databaseTarget)) touch(databaseTarget);
    else {
      const sealed = await sealToFile(keys.blobs, snapshot.read(), databaseTarget);
      await rename(sealed.temp, databaseTarget);
      syncDirectoryOf(databaseTarget);
      written += 1;
      writtenBytes += database.size;
    }
  } finally {
    snapshot.remove();
  }
  const { inspection } = snapshot;
  let uploads: BlobEntry[] | null = null;
  if (options.uploadsRoot !== undefined) {
    uploads = [];
    for (const upload of uploadedBlobs(options.uploadsRoot)) {
      const stored = await storeUpload(options, keys.blobs, keys.tag, upload);
      if (!stored) continue;
      uploads.push(stored.entry);
      if (stored.written) {
        written += 1;
        writtenBytes += stored.entry.size;
      }
    }
  }
  const manifest: Manifest = {
    format: MANIFEST_FORMAT,
    version: MANIFEST_VERSION,
    createdAt: (options.now ?? new Date()).toISOString(),
    schemaVersion: schemaVersionOf(inspection.applied),
    tag: keys.tag,
    ...(keys.blobIdentity === undefined ? {} : { blobIdentity: keys.blobIdentity }),
    database,
    uploads,
  };
  const sealed = await encrypter(keys.manifest).encrypt(JSON.stringify(manifest));
  const partial = tempPathBeside(options.out, "partial");
  try {
    writePrivateFile(partial, [Buffer.from(sealed)]);
    moveNoClobber(partial, options.out);
    syncDirectoryOf(options.out);
  } finally {
    removeQuietly(partial);
  }
  return {
    schemaVersion: manifest.schemaVersion,
    files: uploads?.length ?? 0,
    fileBytes: uploads?.reduce((sum, entry) => sum + entry.size, 0) ?? 0,
    written,
    writtenBytes,
  };
}
