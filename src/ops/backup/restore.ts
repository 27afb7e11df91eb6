/**
 * `chat-server restore`: puts a backup in place of the SQLite database while the server
 * is stopped. The backup is decrypted and checked (integrity, schema version) in a staging
 * file before the current database is even opened, so a refused backup leaves everything
 * as it was. Only then is the current database checkpointed and moved aside together with
 * its -wal/-shm files (a stale WAL must never meet the restored file), the staged file
 * renamed in, and opened once to prove it works; if it does not, the old one goes back.
 */
import {
  chmodSync,
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  renameSync,
  statSync,
} from "node:fs";
import { dirname } from "node:path";
import SqliteDatabase from "better-sqlite3-multiple-ciphers";
import { latestSchemaVersion } from "../../storage/migrate.js";
import { convertEncryption } from "../../storage/sqlite/convert-encryption.js";
import { applyKey, type SqliteKey } from "../../storage/sqlite/encryption.js";
import { isAgeFile } from "./age-files.js";
import { decryptBackup, isEncryptedBackup } from "./backup-crypto.js";
import { BackupError, operatorMessage } from "./backup-error.js";
import {
  copyToPrivateFile,
  removeQuietly,
  syncDirectoryOf,
  tempPathBeside,
  writePrivateFile,
} from "./private-files.js";
import { describeServer, liveServers } from "./server-detect.js";
import { extractDatabase, type OpenedSet, openSet, restoreUploads } from "./set-read.js";
import {
  asRollbackImage,
  hasTable,
  type Inspection,
  inspectDatabase,
  isSqliteImage,
  schemaVersionOf,
} from "./sqlite-file.js";

export interface RestoreOptions {
  /** The backup file, or "-" to read it from `stdin`. */
  from: string;
  targetPath: string;
  passphrase?: string;
  /** age identities, for a backup sealed to recipients. */
  identities?: string[];
  /** The local uploads directory; undefined when files live elsewhere (S3). */
  uploadsRoot?: string;
  /** The key of the database at rest: the restored database is encrypted with it. */
  key?: SqliteKey | undefined;
  stdin?: NodeJS.ReadableStream;
  /** Notes and warnings, one line each. */
  log: (line: string) => void;
  now?: Date;
}

export interface RestoreResult {
  schemaVersion: string;
  /** Migrations the next start applies, for a backup made by an older chat-server. */
  pending: string[];
  /** Where the replaced database now lives, if there was one. */
  keptAside: string | undefined;
  /** Files put back into the uploads directory, and those already there. */
  uploads?: { restored: number; present: number };
}

/** The files that together make one SQLite database. */
const DATABASE_FILES = ["", "-wal", "-shm", "-journal"] as const;

type BackupBytes =
  | { kind: "image"; chunks: Buffer[] }
  | { kind: "file"; path: string }
  | { kind: "set"; set: OpenedSet };

function labelOf(from: string): string {
  return from === "-" ? "the backup on stdin" : from;
}

function notABackup(label: string): BackupError {
  return new BackupError(
    `${label} is neither a SQLite database nor an encrypted chat-server backup (decrypt a gpg file first: gpg --decrypt FILE | chat-server restore -)`,
  );
}

async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks);
}

function readHead(path: string): Buffer {
  const head = Buffer.alloc(64);
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch (err) {
    throw new BackupError(`cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? err})`);
  }
  try {
    return head.subarray(0, readSync(fd, head, 0, head.length, 0));
  } finally {
    closeSync(fd);
  }
}

async function unseal(sealed: Buffer, label: string, passphrase: string | undefined) {
  if (passphrase === undefined) {
    throw new BackupError(`${label} is encrypted: give its passphrase with --passphrase-file FILE`);
  }
  return decryptBackup(sealed, passphrase);
}

async function openBackupSet(options: RestoreOptions): Promise<OpenedSet> {
  if (options.identities !== undefined) {
    return openSet(options.from, { identities: options.identities });
  }
  if (options.passphrase !== undefined) {
    return openSet(options.from, { passphrase: options.passphrase });
  }
  throw new BackupError(
    `${options.from} is encrypted: give its key with --passphrase-file FILE or --identity-file FILE`,
  );
}

/** Reads the backup and decrypts it if sealed; nothing is written yet. */
async function readBackup(options: RestoreOptions): Promise<BackupBytes> {
  const label = labelOf(options.from);
  if (options.from === "-") {
    const data = await readAll(options.stdin ?? process.stdin);
    if (isAgeFile(data)) {
      throw new BackupError(
        "the backup on stdin is a backup with files, whose blobs are in its folder: give the file's path instead of -",
      );
    }
    if (isEncryptedBackup(data)) {
      return { kind: "image", chunks: await unseal(data, label, options.passphrase) };
    }
    if (isSqliteImage(data)) return { kind: "image", chunks: [data] };
    throw notABackup(label);
  }
  const head = readHead(options.from);
  if (isAgeFile(head)) return { kind: "set", set: await openBackupSet(options) };
  if (isEncryptedBackup(head)) {
    const sealed = readFileSync(options.from);
    return { kind: "image", chunks: await unseal(sealed, label, options.passphrase) };
  }
  if (!isSqliteImage(head)) throw notABackup(label);
  if (existsSync(`${options.from}-wal`) && statSync(`${options.from}-wal`).size > 0) {
    throw new BackupError(
      `${options.from} has a write-ahead log beside it (${options.from}-wal): it is a live database, not a backup; take one with chat-server backup`,
    );
  }
  return { kind: "file", path: options.from };
}

async function stage(backup: BackupBytes, staged: string): Promise<void> {
  if (backup.kind === "set") {
    await extractDatabase(backup.set, staged);
    return;
  }
  if (backup.kind === "file") {
    copyToPrivateFile(backup.path, staged);
    return;
  }
  const [first, ...rest] = backup.chunks;
  writePrivateFile(staged, first ? [asRollbackImage(first), ...rest] : []);
}

function refuseUnusable(inspection: Inspection, label: string): void {
  if (inspection.problems.length > 0) {
    throw new BackupError(`${label} fails PRAGMA integrity_check (${inspection.problems[0]})`);
  }
  if (inspection.applied.length === 0) {
    throw new BackupError(`${label} is not a chat-server database (no applied schema migrations)`);
  }
  if (inspection.unknown.length > 0) {
    throw new BackupError(
      `${label} was written by a newer chat-server (schema migrations ${inspection.unknown.join(", ")} are unknown here; this version knows up to ${latestSchemaVersion()}): restore it with that version or a later one`,
    );
  }
}

/** Checks the staged copy and clears the nodes that were running when it was taken. */
async function checkStaged(staged: string, label: string): Promise<Inspection> {
  const db = new SqliteDatabase(staged, { fileMustExist: true });
  try {
    let inspection: Inspection;
    try {
      db.pragma("journal_mode = DELETE");
      inspection = await inspectDatabase(db);
    } catch (err) {
      if (!(err instanceof SqliteDatabase.SqliteError)) throw err;
      throw new BackupError(`${label} is not a readable SQLite database (${err.message})`);
    }
    refuseUnusable(inspection, label);
    // Those rows describe processes of the past; left in, they would look like servers.
    if (hasTable(db, "nodes")) db.prepare("delete from nodes").run();
    return inspection;
  } finally {
    db.close();
  }
}

/**
 * Refuses while a server uses the current database, then folds its WAL into the main
 * file, so the copy kept aside stands alone.
 */
function releaseCurrent(
  target: string,
  key: SqliteKey | undefined,
  log: (line: string) => void,
): void {
  if (!existsSync(target)) return;
  let walMode = false;
  try {
    const db = new SqliteDatabase(target, { fileMustExist: true });
    try {
      if (key) applyKey(db, key);
      db.pragma("busy_timeout = 5000");
      const live = liveServers(db);
      if (live.length > 0) {
        throw new BackupError(
          `a chat-server is using ${target} (${live.map((s) => describeServer(s)).join("; ")}): stop it first (e.g. systemctl stop chat-server), then restore`,
        );
      }
      walMode = db.pragma("journal_mode", { simple: true }) === "wal";
      if (walMode) db.pragma("wal_checkpoint(TRUNCATE)");
    } finally {
      db.close();
    }
  } catch (err) {
    if (err instanceof BackupError) throw err;
    log(
      `warning: cannot read ${target} (${operatorMessage(err) ?? String(err)}); it is kept aside as it is, with its -wal and -shm files`,
    );
    return;
  }
  // The last connection to close removes the WAL; if it remains, someone else has it open.
  if (walMode && existsSync(`${target}-wal`)) {
    throw new BackupError(
      `${target} is still open in another process (${target}-wal remains after closing it): stop that process, then restore`,
    );
  }
}

function timestamp(now: Date): string {
  return now
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d+Z$/, "Z");
}

/** Renames the database and whichever of its -wal/-shm/-journal exist, as one set. */
function moveSet(from: string, to: string): void {
  const moved: string[] = [];
  try {
    for (const suffix of DATABASE_FILES) {
      if (!existsSync(`${from}${suffix}`)) continue;
      renameSync(`${from}${suffix}`, `${to}${suffix}`);
      moved.push(suffix);
      chmodSync(`${to}${suffix}`, 0o600);
    }
  } catch (err) {
    for (const suffix of moved) renameSync(`${to}${suffix}`, `${from}${suffix}`);
    throw err;
  }
}

function moveAside(target: string, now: Date): string | undefined {
  if (!DATABASE_FILES.some((suffix) => existsSync(`${target}${suffix}`))) return undefined;
  const base = `${target}.before-restore-${timestamp(now)}`;
  let aside = base;
  for (let n = 2; DATABASE_FILES.some((suffix) => existsSync(`${aside}${suffix}`)); n += 1) {
    aside = `${base}-${n}`;
  }
  moveSet(target, aside);
  return aside;
}

function confirmOpens(target: string, key: SqliteKey | undefined): void {
  const db = new SqliteDatabase(target, { fileMustExist: true });
  try {
    if (key) applyKey(db, key);
    db.prepare("select count(*) from schema_migrations").get();
  } finally {
    db.close();
  }
}

/** Swaps the staged file in; puts the old set back if the new file does not open. */
function putInPlace(
  staged: string,
  target: string,
  key: SqliteKey | undefined,
  now: Date,
): string | undefined {
  const aside = moveAside(target, now);
  renameSync(staged, target);
  syncDirectoryOf(target);
  try {
    confirmOpens(target, key);
  } catch (err) {
    moveSet(target, staged);
    if (aside) moveSet(aside, target);
    throw new BackupError(
      `the restored database does not open (${operatorMessage(err) ?? String(err)}); the previous database is back in place`,
    );
  }
  return aside;
}

function encryptStaged(staged: string, key: SqliteKey): void {
  try {
    convertEncryption(staged, undefined, key);
  } catch (err) {
    throw new BackupError(
      `the restored database could not be encrypted: ${(err as Error).message}`,
    );
  }
}

async function putBackUploads(backup: BackupBytes, options: RestoreOptions) {
  if (backup.kind !== "set" || backup.set.manifest.uploads === null) return undefined;
  if (options.uploadsRoot === undefined) {
    options.log(
      "note: the backup holds uploaded files, but [uploads] store is not local: they are not restored",
    );
    return undefined;
  }
  return restoreUploads(backup.set, options.uploadsRoot);
}

export async function restoreSqlite(options: RestoreOptions): Promise<RestoreResult> {
  const label = labelOf(options.from);
  const target = options.targetPath;
  const backup = await readBackup(options);
  mkdirSync(dirname(target), { recursive: true, mode: 0o700 });
  const staged = tempPathBeside(target, "restore");
  try {
    await stage(backup, staged);
    const inspection = await checkStaged(staged, label);
    // A database encrypted at rest comes back encrypted, before it takes the old one's place.
    if (options.key) encryptStaged(staged, options.key);
    releaseCurrent(target, options.key, options.log);
    // Files first: they are only added, so a failure here leaves the database as it was.
    const uploads = await putBackUploads(backup, options);
    const keptAside = putInPlace(staged, target, options.key, options.now ?? new Date());
    return {
      schemaVersion: schemaVersionOf(inspection.applied),
      pending: inspection.pending,
      keptAside,
      ...(uploads === undefined ? {} : { uploads }),
    };
  } finally {
    for (const suffix of DATABASE_FILES) removeQuietly(`${staged}${suffix}`);
  }
}
