/**
 * Converts a stopped server's SQLite database between clear and encrypted, or from one
 * key to another, without ever leaving it half-converted: the file is copied, the copy is
 * converted and checked (integrity, and the same rows in every table as the original),
 * and only then renamed over the original. A failure at any step leaves the original as
 * it was, and removes the copy.
 */
import { closeSync, copyFileSync, fsyncSync, openSync, renameSync, rmSync } from "node:fs";
import { dirname } from "node:path";
import SqliteDatabase from "better-sqlite3-multiple-ciphers";
import { applyKey, chooseCipher, type SqliteKey } from "./encryption.js";

export class ConversionError extends Error {
  override name = "ConversionError";
}

/** Opens a database file with a key (or none), failing now if the key does not open it. */
function openWith(path: string, key: SqliteKey | undefined): SqliteDatabase.Database {
  const db = new SqliteDatabase(path, { fileMustExist: true });
  try {
    if (key) applyKey(db, key);
    db.prepare("select count(*) from sqlite_master").get();
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}

/** Row counts of every table: what the converted copy must hold too. */
function rowCounts(db: SqliteDatabase.Database): Map<string, number> {
  const tables = db
    .prepare("select name from sqlite_master where type = 'table' order by name")
    .pluck()
    .all() as string[];
  const counts = new Map<string, number>();
  for (const table of tables) {
    const quoted = `"${table.replaceAll('"', '""')}"`;
    counts.set(table, Number(db.prepare(`select count(*) from ${quoted}`).pluck().get()));
  }
  return counts;
}

function fsyncPath(path: string): void {
  const fd = openSync(path, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export interface ConversionResult {
  tables: number;
  rows: number;
}

/**
 * Rewrites `path` from `from` (undefined: clear) to `to` (undefined: clear). The caller
 * makes sure no server has the database open.
 */
export function convertEncryption(
  path: string,
  from: SqliteKey | undefined,
  to: SqliteKey | undefined,
): ConversionResult {
  let source: SqliteDatabase.Database;
  try {
    source = openWith(path, from);
  } catch (err) {
    throw new ConversionError(
      `${path} does not open ${from ? "with the current key" : "as a clear database"}: ${(err as Error).message}`,
    );
  }
  let expected: Map<string, number>;
  try {
    // Everything in the WAL goes into the file first, so one file holds the whole database.
    source.pragma("wal_checkpoint(TRUNCATE)");
    expected = rowCounts(source);
  } finally {
    source.close();
  }

  const copy = `${path}.converting`;
  rmSync(copy, { force: true });
  try {
    copyFileSync(path, copy);
    const db = openWith(copy, from);
    try {
      // Rekeying rewrites every page, which SQLite3 Multiple Ciphers does not do in WAL mode.
      db.pragma("journal_mode = DELETE");
      if (to) {
        // The new key's format applies to the pages written from here on.
        chooseCipher(db, to.compatibility);
        db.rekey(Buffer.from(to.secret));
      } else {
        db.rekey(Buffer.alloc(0));
      }
    } finally {
      db.close();
    }
    const check = openWith(copy, to);
    try {
      const integrity = check.pragma("integrity_check", { simple: true });
      if (integrity !== "ok")
        throw new ConversionError(`the converted copy fails its check: ${integrity}`);
      const counts = rowCounts(check);
      for (const [table, rows] of expected) {
        if (counts.get(table) !== rows) {
          throw new ConversionError(
            `the converted copy holds ${counts.get(table) ?? 0} rows in ${table}, not ${rows}`,
          );
        }
      }
      check.pragma("journal_mode = WAL");
    } finally {
      check.close();
    }
    fsyncPath(copy);
    rmSync(`${path}-wal`, { force: true });
    rmSync(`${path}-shm`, { force: true });
    renameSync(copy, path);
    fsyncPath(dirname(path));
  } catch (err) {
    rmSync(copy, { force: true });
    rmSync(`${copy}-wal`, { force: true });
    rmSync(`${copy}-shm`, { force: true });
    if (err instanceof ConversionError) throw err;
    throw new ConversionError(
      `converting ${path} failed, and it is unchanged: ${(err as Error).message}`,
    );
  }
  return {
    tables: expected.size,
    rows: [...expected.values()].reduce((sum, n) => sum + n, 0),
  };
}
