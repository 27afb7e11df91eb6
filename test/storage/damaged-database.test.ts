import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { sql } from "kysely";
import { loadConfig } from "../../src/config/load.js";
import { DamagedDatabaseError } from "../../src/storage/damage.js";
import { openStore, type Store } from "../../src/storage/store.js";
import { DAMAGES, damagedDatabase, soundDatabase } from "../helpers/damaged-sqlite.js";

function open(path: string): Store {
  return openStore(loadConfig({ env: {}, overrides: { database: { path } } }).database);
}

const TROUBLESHOOTING = /damaged.*docs\/TROUBLESHOOTING\.md/;

describe("a damaged SQLite database", () => {
  let dir: string;
  let sound: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "chat-damaged-"));
    sound = await soundDatabase(join(dir, "sound"));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("passes the checks when sound", async () => {
    const store = open(sound);
    try {
      store.checkIntegrity();
      await store.migrate();
      await store.checkReads();
    } finally {
      await store.close();
    }
  });

  for (const damage of DAMAGES) {
    it(`is refused when ${damage}, pointing to the troubleshooting guide`, async () => {
      const path = damagedDatabase(sound, join(dir, damage.replace(" ", "-")), damage);
      let store: Store | undefined;
      try {
        // Some damage shows on opening, the rest in the check every start makes.
        const refusal = (() => {
          try {
            store = open(path);
            store.checkIntegrity();
          } catch (err) {
            return err;
          }
          return undefined;
        })();
        assert.ok(refusal instanceof DamagedDatabaseError, `${damage}: ${String(refusal)}`);
        assert.match(refusal.message, TROUBLESHOOTING);
        assert.ok(refusal.message.includes(path));
      } finally {
        await store?.close();
      }
    });
  }

  it("once a query met the damage, the read check fails though `select 1` still answers", async () => {
    const path = damagedDatabase(sound, join(dir, "stale-wal-running"), "stale wal");
    const store = open(path);
    try {
      await store.ping();
      await assert.rejects(sql`select count(*) from users`.execute(store.db), {
        code: /^SQLITE_CORRUPT/,
      });
      await store.ping();
      await assert.rejects(store.checkReads(), DamagedDatabaseError);
    } finally {
      await store.close();
    }
  });
});
