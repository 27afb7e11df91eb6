/**
 * Opens the embedded SQLite database with the pragmas from the deployment guide (WAL,
 * synchronous NORMAL, 64 MB cache, temp_store MEMORY, secure_delete), foreign keys and a
 * busy timeout. A new database is made with incremental auto-vacuum, so that the pages
 * deletion frees can be given back to the file system (Store.reclaimFreePages).
 * The directory is kept at 0700 and the files at 0600.
 */
import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from "node:fs";
import { dirname } from "node:path";
import SqliteDatabase from "better-sqlite3-multiple-ciphers";
import {
  Kysely,
  type LogConfig,
  type SqliteDatabase as SqliteDatabaseLike,
  SqliteDialect,
} from "kysely";
import type { Database } from "../schema.js";
import { applyKey, type SqliteKey } from "./encryption.js";
import { applyPragmas } from "./pragmas.js";

export interface SqliteHandle {
  db: Kysely<Database>;
  raw: SqliteDatabase.Database;
}

function restrictFiles(path: string): void {
  for (const file of [path, `${path}-wal`, `${path}-shm`]) {
    if (existsSync(file)) chmodSync(file, 0o600);
  }
}

const STATEMENT_CACHE_SIZE = 500;

/**
 * Kysely prepares every query anew; preparing costs more than running a small statement,
 * so prepared statements are kept by their SQL text (least recently used go first).
 */
function cachingStatements(raw: SqliteDatabase.Database): SqliteDatabaseLike {
  const cache = new Map<string, SqliteDatabase.Statement>();
  return {
    close: () => raw.close(),
    prepare(text: string) {
      // A transaction takes the write lock when it begins: with the server's writer
      // thread as a second connection, a transaction that read first and wrote later
      // could otherwise find the database changed under it (SQLITE_BUSY_SNAPSHOT).
      const sql = text === "begin" ? "begin immediate" : text;
      let statement = cache.get(sql);
      if (statement) {
        cache.delete(sql);
      } else {
        statement = raw.prepare(sql);
        if (cache.size >= STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value as string);
      }
      cache.set(sql, statement);
      return statement;
    },
  };
}

export interface SqliteOpenOptions {
  readonly?: boolean;
  /** Kysely's query log hook (the store watches failed queries for damage). */
  log?: LogConfig;
  /** The key of an encrypted database (docs/DEPLOYMENT.md, "Encryption at rest"). */
  key?: SqliteKey | undefined;
}

export function openSqlite(path: string, options: SqliteOpenOptions = {}): SqliteHandle {
  if (path !== ":memory:") {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    if (!options.readonly) closeSync(openSync(path, "a", 0o600));
  }
  const raw = new SqliteDatabase(path, {
    readonly: options.readonly ?? false,
    fileMustExist: options.readonly ?? false,
  });
  try {
    if (options.key) applyKey(raw, options.key);
    // Only a database without pages can take it: existing ones need the one-time step in
    // docs/ADMIN.md ("What deletion removes").
    if (!options.readonly && raw.pragma("page_count", { simple: true }) === 0)
      raw.pragma("auto_vacuum = INCREMENTAL");
    applyPragmas(raw, options.readonly);
  } catch (err) {
    // A file that is not a database (or a damaged one) fails here, on the first read.
    raw.close();
    throw err;
  }
  if (path !== ":memory:" && !options.readonly) restrictFiles(path);
  const db = new Kysely<Database>({
    dialect: new SqliteDialect({ database: cachingStatements(raw) }),
    ...(options.log ? { log: options.log } : {}),
  });
  return { db, raw };
}
