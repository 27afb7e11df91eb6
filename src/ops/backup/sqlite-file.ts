/**
 * SQLite files seen as backups: telling a database image from other bytes, putting an
 * image in rollback-journal mode so it stands alone without -wal/-shm files, and checking
 * a copy (integrity, and which schema migrations it has applied).
 */
import type SqliteDatabase from "better-sqlite3-multiple-ciphers";
import { Kysely, SqliteDialect } from "kysely";
import { schemaStatus } from "../../storage/migrate.js";

export const SQLITE_MAGIC = Buffer.from("SQLite format 3\0", "latin1");
/** A WAL database has 2 in both header bytes 18 and 19; rollback-journal mode has 1. */
const WRITE_VERSION_OFFSET = 18;
const READ_VERSION_OFFSET = 19;

export function isSqliteImage(head: Buffer): boolean {
  return head.subarray(0, SQLITE_MAGIC.length).equals(SQLITE_MAGIC);
}

/**
 * Marks an image as rollback-journal mode, as `PRAGMA journal_mode = DELETE` would. An
 * in-memory image still flagged WAL cannot be opened, and a restored file so marked
 * cannot be confused with a -wal file left over from the database it replaces.
 */
export function asRollbackImage(image: Buffer): Buffer {
  if (isSqliteImage(image) && image.length >= 100) {
    image[WRITE_VERSION_OFFSET] = 1;
    image[READ_VERSION_OFFSET] = 1;
  }
  return image;
}

export interface Inspection {
  /** Messages from PRAGMA integrity_check; empty when the file is sound. */
  problems: string[];
  applied: string[];
  pending: string[];
  /** Migrations this build does not know: the file was written by a newer chat-server. */
  unknown: string[];
}

/** A Kysely over a connection the caller keeps: Kysely closes its database on destroy. */
function borrow(raw: SqliteDatabase.Database): Kysely<Record<string, never>> {
  const database = { prepare: (query: string) => raw.prepare(query), close: () => {} };
  return new Kysely({ dialect: new SqliteDialect({ database }) });
}

export async function inspectDatabase(raw: SqliteDatabase.Database): Promise<Inspection> {
  const rows = raw.pragma("integrity_check(20)") as { integrity_check: string }[];
  const messages = rows.map((row) => row.integrity_check);
  if (!(messages.length === 1 && messages[0] === "ok")) {
    return { problems: messages, applied: [], pending: [], unknown: [] };
  }
  const db = borrow(raw);
  try {
    return { problems: [], ...(await schemaStatus(db, "sqlite")) };
  } finally {
    await db.destroy();
  }
}

/** The newest applied migration, which names the schema version of a file. */
export function schemaVersionOf(applied: readonly string[]): string {
  return [...applied].sort().at(-1) ?? "none";
}

export function hasTable(raw: SqliteDatabase.Database, name: string): boolean {
  return (
    raw.prepare("select 1 from sqlite_master where type = 'table' and name = ?").get(name) !==
    undefined
  );
}
