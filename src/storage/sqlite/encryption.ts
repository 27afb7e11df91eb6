/**
 * Encryption at rest for the SQLite database, in SQLCipher's format, so the `sqlcipher`
 * command-line tool opens the same file with the same key. Every connection (the
 * server's, its writer and checkpoint threads', the tools') is keyed before its first
 * read; the WAL is encrypted with the database.
 *
 * The key comes from `[database] encryption_key_file` (readable by its owner only) or
 * from `encryption_key`, normally set by the environment (CHAT_DATABASE_ENCRYPTION_KEY);
 * SQLCipher derives the page keys from it (PBKDF2), as `PRAGMA key = '...'` in the
 * sqlcipher tool does.
 */
import { readFileSync, statSync } from "node:fs";
import type SqliteDatabase from "better-sqlite3-multiple-ciphers";
import type { Config } from "../../config/schema.js";

/** A database key: the secret, and the SQLCipher major version whose format the file has. */
export interface SqliteKey {
  secret: Buffer;
  compatibility: 3 | 4;
}

/** The key as it crosses into a worker thread (a Buffer arrives as a Uint8Array). */
export interface SqliteKeyData {
  secret: Uint8Array;
  compatibility: 3 | 4;
}

export const MIN_KEY_BYTES = 32;
const HOW_TO_GENERATE =
  "make one with: (umask 077; openssl rand -base64 32 > /etc/chat-server/db-key)";

export class DatabaseKeyError extends Error {
  override name = "DatabaseKeyError";
}

/**
 * Chooses SQLCipher's cipher in the format of `compatibility` for the key or rekey that
 * follows. The page size stays SQLite's 4096 in both formats (SQLCipher 3 would use 1024,
 * which a rekey of an existing database cannot change; docs/DEPLOYMENT.md tells the
 * sqlcipher 3 tool `PRAGMA cipher_page_size = 4096`).
 */
export function chooseCipher(raw: SqliteDatabase.Database, compatibility: 3 | 4): void {
  raw.pragma("cipher = 'sqlcipher'");
  raw.pragma(`legacy = ${compatibility}`);
  raw.pragma("legacy_page_size = 4096");
}

/** Keys a connection before its first read. */
export function applyKey(raw: SqliteDatabase.Database, key: SqliteKey | SqliteKeyData): void {
  chooseCipher(raw, key.compatibility);
  raw.key(Buffer.from(key.secret));
}

/** Reads a key file, refusing one that others may read and one too short to be a key. */
export function readKeyFile(file: string, compatibility: 3 | 4): SqliteKey {
  let mode: number;
  try {
    mode = statSync(file).mode;
  } catch (err) {
    throw new DatabaseKeyError(
      `the database key file ${file} cannot be read (${(err as NodeJS.ErrnoException).code ?? "error"}); ${HOW_TO_GENERATE}`,
    );
  }
  if ((mode & 0o077) !== 0) {
    throw new DatabaseKeyError(
      `the database key file ${file} may be read by others (mode ${(mode & 0o777).toString(8)}): run chmod 600 ${file}`,
    );
  }
  return checkedKey(readFileSync(file, "utf8"), `the database key file ${file}`, compatibility);
}

function checkedKey(text: string, where: string, compatibility: 3 | 4): SqliteKey {
  // The trailing newline an editor or `openssl ... >` leaves is not part of the key.
  const secret = Buffer.from(text.replace(/\r?\n$/, ""), "utf8");
  if (secret.length < MIN_KEY_BYTES) {
    throw new DatabaseKeyError(
      `${where} holds ${secret.length} bytes; a key needs at least ${MIN_KEY_BYTES}: ${HOW_TO_GENERATE}`,
    );
  }
  return { secret, compatibility };
}

/** The configured key of the SQLite database, or undefined when it is not encrypted. */
export function databaseKey(database: Config["database"]): SqliteKey | undefined {
  const given = database.encryption_key;
  const file = database.encryption_key_file;
  if (given === "" && file === "") return undefined;
  if (database.type !== "sqlite") {
    throw new DatabaseKeyError(
      "[database] encryption_key_file and encryption_key apply to SQLite only; encrypt PostgreSQL's storage instead (docs/DEPLOYMENT.md)",
    );
  }
  if (given !== "" && file !== "") {
    throw new DatabaseKeyError(
      "both [database] encryption_key and encryption_key_file are set: keep one",
    );
  }
  const compatibility = database.encryption_compatibility === 3 ? 3 : 4;
  return given !== ""
    ? checkedKey(given, "[database] encryption_key", compatibility)
    : readKeyFile(file, compatibility);
}

/** Whether a database file starts with SQLite's clear header (an encrypted one does not). */
export function isPlainSqliteFile(header: Buffer): boolean {
  return header.subarray(0, 16).toString("latin1") === "SQLite format 3\u0000";
}

/** Whether opening failed because the file does not read as SQLite (damaged, or encrypted). */
export function isNotADatabase(err: unknown): boolean {
  return (err as { code?: string }).code === "SQLITE_NOTADB";
}

/**
 * Why a database file could not be opened with a key: it is a clear file, or the key
 * does not open it. Undefined when no key was given (a file that does not read as SQLite
 * may be damaged as well as encrypted: the caller says both) or the failure is another.
 */
export function keyProblem(
  path: string,
  key: SqliteKey | undefined,
  err: unknown,
): DatabaseKeyError | undefined {
  if (!key || !isNotADatabase(err)) return undefined;
  let header: Buffer;
  try {
    header = readFileSync(path).subarray(0, 16);
  } catch {
    return undefined;
  }
  if (header.length < 16) return undefined;
  if (isPlainSqliteFile(header)) {
    return new DatabaseKeyError(
      `${path} is not encrypted but a key is configured: encrypt it with \`chat-server db encrypt\` (the server stopped), or remove [database] encryption_key_file`,
    );
  }
  return new DatabaseKeyError(
    `${path} does not open with the configured key: a wrong key, or a file of another format (encryption_compatibility = ${key.compatibility})`,
  );
}
