/**
 * Real SQLite files damaged the ways disks and operators damage them: a file cut short, a
 * header overwritten, a page in the middle overwritten, and an old copy put back over the
 * database with the newer write-ahead log left beside it.
 */
import {
  closeSync,
  copyFileSync,
  mkdirSync,
  openSync,
  statSync,
  truncateSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";
import SqliteDatabase from "better-sqlite3-multiple-ciphers";
import { loadConfig } from "../../src/config/load.js";
import { openStore } from "../../src/storage/store.js";

export type Damage = "truncated" | "garbage header" | "overwritten page" | "stale wal";
export const DAMAGES: Damage[] = ["truncated", "garbage header", "overwritten page", "stale wal"];

const PAGE = 4096;

function addUsers(raw: SqliteDatabase.Database, prefix: string, count: number): void {
  const insert = raw.prepare(
    `insert into users (id, username, username_lower, display_name, password_hash, created_at)
     values (?, ?, ?, ?, ?, 0)`,
  );
  raw.transaction(() => {
    for (let i = 0; i < count; i++) {
      const name = `${prefix}${i}`;
      insert.run(name, name, name, `${prefix} person number ${i}`, "h".repeat(100));
    }
  })();
}

/** A sound database at the current schema, a few hundred pages long. */
export async function soundDatabase(dir: string): Promise<string> {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, "chat.db");
  const store = openStore(loadConfig({ env: {}, overrides: { database: { path } } }).database);
  await store.migrate();
  await store.close();
  const raw = new SqliteDatabase(path);
  addUsers(raw, "a", 3000);
  raw.close();
  return path;
}

/** Writes `byte` over `length` bytes at `offset`. */
function overwrite(path: string, offset: number, length: number, byte: number): void {
  const fd = openSync(path, "r+");
  try {
    writeSync(fd, Buffer.alloc(length, byte), 0, length, offset);
  } finally {
    closeSync(fd);
  }
}

/** Makes `dir/chat.db` a copy of the sound database `from`, damaged as asked. */
export function damagedDatabase(from: string, dir: string, damage: Damage): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, "chat.db");
  copyFileSync(from, path);
  const size = statSync(path).size;
  switch (damage) {
    case "truncated":
      truncateSync(path, Math.floor(size / PAGE / 2) * PAGE + 100);
      break;
    case "garbage header":
      overwrite(path, 0, 100, 0x41);
      break;
    case "overwritten page":
      overwrite(path, Math.floor(size / PAGE / 2) * PAGE, PAGE, 0x5a);
      break;
    case "stale wal": {
      // The live database moves on (a checkpoint writes its pages into the file), then
      // keeps more changes in its log; the old copy gets that log beside it.
      const live = join(dir, "live.db");
      copyFileSync(from, live);
      const raw = new SqliteDatabase(live);
      raw.pragma("journal_mode = WAL");
      raw.pragma("wal_autocheckpoint = 0");
      addUsers(raw, "b", 2000);
      raw.pragma("wal_checkpoint(TRUNCATE)");
      raw.prepare("delete from users where id like 'a1%'").run();
      addUsers(raw, "c", 2000);
      copyFileSync(`${live}-wal`, `${path}-wal`);
      raw.close();
      break;
    }
  }
  return path;
}
