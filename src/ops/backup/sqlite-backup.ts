/**
 * `chat-server backup`: a consistent copy of the live SQLite database, taken while the
 * server keeps serving: the database only. A copy to a file goes through SQLite's online
 * backup API step by step; one written to stdout (for gpg) is a snapshot serialised in
 * memory. Either way the copy is checked before it is kept. The encrypted backup with the
 * uploaded files is set-backup.ts, which takes its snapshot with openSource and
 * inspectImage from here.
 */
import {
  closeSync,
  createReadStream,
  existsSync,
  openSync,
  readSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { dirname } from "node:path";
import { pipeline } from "node:stream/promises";
import SqliteDatabase from "better-sqlite3-multiple-ciphers";
import { applyKey, type SqliteKey } from "../../storage/sqlite/encryption.js";
import { BackupError } from "./backup-error.js";
import { PageProgress } from "./page-progress.js";
import {
  createPrivateFile,
  moveNoClobber,
  removeQuietly,
  sealFile,
  syncDirectoryOf,
  tempPathBeside,
} from "./private-files.js";
import {
  asRollbackImage,
  type Inspection,
  inspectDatabase,
  isSqliteImage,
  schemaVersionOf,
} from "./sqlite-file.js";

/** Above this many pages a database counts as large enough to report progress on. */
const LARGE_PAGES = 1024;

export interface BackupOptions {
  sourcePath: string;
  /** The database's key when it is encrypted at rest; the backup holds it in clear. */
  key?: SqliteKey | undefined;
  /** The backup file to create, or "-" for `stdout`. */
  out: string;
  /** Progress and notes, one line each. */
  log: (line: string) => void;
  stdout?: NodeJS.WritableStream;
}

export interface BackupResult {
  bytes: number;
  schemaVersion: string;
}

export function openSource(path: string, key?: SqliteKey): SqliteDatabase.Database {
  if (!existsSync(path)) {
    throw new BackupError(
      `no database at ${path}: check [database] path in the configuration (or CHAT_DATABASE_PATH)`,
    );
  }
  const head = Buffer.alloc(16);
  const fd = openSync(path, "r");
  try {
    readSync(fd, head, 0, head.length, 0);
  } finally {
    closeSync(fd);
  }
  if (!key && !isSqliteImage(head)) {
    throw new BackupError(
      `${path} is not a SQLite database, or it is encrypted and [database] encryption_key_file is not set`,
    );
  }
  // Read-write on purpose: a read-only connection would leave -wal/-shm files behind.
  const source = new SqliteDatabase(path, { fileMustExist: true });
  try {
    if (key) applyKey(source, key);
    source.pragma("busy_timeout = 5000");
  } catch (err) {
    source.close();
    throw new BackupError(
      `${path} does not open with the configured key (${(err as Error).message})`,
    );
  }
  return source;
}

export function refuseUnsound(inspection: Inspection, sourcePath: string): void {
  if (inspection.problems.length > 0) {
    throw new BackupError(
      `the copy of ${sourcePath} fails PRAGMA integrity_check (${inspection.problems[0]}); the database itself may be damaged`,
    );
  }
  if (inspection.applied.length === 0) {
    throw new BackupError(`${sourcePath} holds no chat-server schema (no applied migrations)`);
  }
}

async function inspectFile(path: string): Promise<Inspection> {
  const copy = new SqliteDatabase(path, { fileMustExist: true });
  try {
    // The copy carries the source's WAL flag; a standalone backup needs no -wal file.
    copy.pragma("journal_mode = DELETE");
    return await inspectDatabase(copy);
  } finally {
    copy.close();
  }
}

export async function inspectImage(image: Buffer): Promise<Inspection> {
  const copy = new SqliteDatabase(image);
  try {
    return await inspectDatabase(copy);
  } finally {
    copy.close();
  }
}

/**
 * A consistent copy of a clear database into a new 0600 file at `path`, page by page
 * through the online backup API, so memory stays bounded however large the database is;
 * checked, and in rollback-journal mode. The caller removes `path`.
 */
export async function snapshotToPath(
  source: SqliteDatabase.Database,
  path: string,
  sourcePath: string,
  log: (line: string) => void,
): Promise<Inspection> {
  createPrivateFile(path);
  const progress = new PageProgress(log);
  await source.backup(path, { progress: progress.step });
  progress.finish();
  const inspection = await inspectFile(path);
  refuseUnsound(inspection, sourcePath);
  return inspection;
}

/** Copies page by page through the online backup API into a 0600 file beside `out`. */
async function backupToFile(options: BackupOptions, source: SqliteDatabase.Database) {
  const partial = tempPathBeside(options.out, "partial");
  try {
    const inspection = await snapshotToPath(source, partial, options.sourcePath, options.log);
    sealFile(partial);
    moveNoClobber(partial, options.out);
    syncDirectoryOf(options.out);
    return {
      bytes: statSync(options.out).size,
      schemaVersion: schemaVersionOf(inspection.applied),
    };
  } finally {
    removeQuietly(partial);
  }
}

/** The snapshot of an encrypted database, checked, into a 0600 file beside `out`. */
async function snapshotToFile(options: BackupOptions, source: SqliteDatabase.Database) {
  const image = asRollbackImage(source.serialize());
  const inspection = await inspectImage(image);
  refuseUnsound(inspection, options.sourcePath);
  const partial = tempPathBeside(options.out, "partial");
  createPrivateFile(partial);
  try {
    writeFileSync(partial, image);
    sealFile(partial);
    moveNoClobber(partial, options.out);
    syncDirectoryOf(options.out);
    return { bytes: image.length, schemaVersion: schemaVersionOf(inspection.applied) };
  } finally {
    removeQuietly(partial);
  }
}

function writeChunks(stream: NodeJS.WritableStream, chunks: Buffer[]): Promise<void> {
  return chunks.reduce(
    (previous, chunk) =>
      previous.then(
        () =>
          new Promise<void>((resolve, reject) => {
            stream.write(chunk, (err) => (err ? reject(err) : resolve()));
          }),
      ),
    Promise.resolve(),
  );
}

/**
 * A clear database to stdout: a snapshot file beside the database (its disk is sized for
 * it, where /tmp may be memory), checked, then streamed out, so memory stays bounded.
 */
async function streamToStdout(options: BackupOptions, source: SqliteDatabase.Database) {
  const path = tempPathBeside(options.sourcePath, "backup-snapshot");
  try {
    const inspection = await snapshotToPath(source, path, options.sourcePath, options.log);
    // `end: false`: the caller's stream (process.stdout) stays open for it to finish.
    await pipeline(createReadStream(path), options.stdout ?? process.stdout, { end: false });
    return { bytes: statSync(path).size, schemaVersion: schemaVersionOf(inspection.applied) };
  } finally {
    removeQuietly(path);
  }
}

/**
 * An encrypted database to stdout: SQLite's backup API will not copy encrypted pages into
 * a clear file, and a clear copy on disk would undo the encryption at rest, so the
 * snapshot is serialised in memory (as large as the database), checked, then written.
 */
async function backupToStdout(options: BackupOptions, source: SqliteDatabase.Database) {
  // serialize() reads every page inside one read transaction: a consistent snapshot.
  const image = asRollbackImage(source.serialize());
  const pageSize = Number(source.pragma("page_size", { simple: true }));
  const pages = Math.round(image.length / pageSize);
  // No steps to report here: one line tells a large database's snapshot is done.
  if (pages > LARGE_PAGES) options.log(`backup: snapshot of ${pages} pages taken in memory`);
  const inspection = await inspectImage(image);
  refuseUnsound(inspection, options.sourcePath);
  await writeChunks(options.stdout ?? process.stdout, [image]);
  return { bytes: image.length, schemaVersion: schemaVersionOf(inspection.applied) };
}

export async function backupSqlite(options: BackupOptions): Promise<BackupResult> {
  if (options.out !== "-") {
    if (existsSync(options.out)) {
      throw new BackupError(`${options.out} already exists; backups never overwrite a file`);
    }
    if (!existsSync(dirname(options.out))) {
      throw new BackupError(`the directory ${dirname(options.out)} does not exist`);
    }
  }
  const source = openSource(options.sourcePath, options.key);
  try {
    // SQLite's backup API copies pages as they are: an encrypted database goes through
    // the in-memory snapshot, which reads them in clear.
    if (options.out === "-")
      return options.key
        ? await backupToStdout(options, source)
        : await streamToStdout(options, source);
    return options.key
      ? await snapshotToFile(options, source)
      : await backupToFile(options, source);
  } finally {
    source.close();
  }
}
