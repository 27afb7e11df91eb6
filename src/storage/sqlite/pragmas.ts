/**
 * The deployment guide's pragmas for every SQLite connection. Apart from connect.ts, so
 * that the writer thread, which opens its own connection, loads no Kysely.
 */
import type SqliteDatabase from "better-sqlite3-multiple-ciphers";

export const SQLITE_PRAGMAS = [
  "journal_mode = WAL",
  "synchronous = NORMAL",
  "cache_size = -64000",
  "temp_store = MEMORY",
  "foreign_keys = ON",
  "busy_timeout = 5000",
  // Deleted content is overwritten with zeros, not left in free space: a deleted message's
  // text must not stay in the file (see docs/ADMIN.md, "What deletion removes").
  "secure_delete = ON",
] as const;

/** Applies the guide's pragmas to a connection (the server's writer thread opens its own). */
export function applyPragmas(raw: SqliteDatabase.Database, readonly = false): void {
  for (const pragma of SQLITE_PRAGMAS) {
    if (readonly && pragma.startsWith("journal_mode")) continue;
    raw.pragma(pragma);
  }
}
