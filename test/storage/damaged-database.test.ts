import assert from "node:assert/strict";
import {
  closeSync,
  copyFileSync,
  existsSync,
  mkdtempSync,
  openSync,
  rmSync,
  writeSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { sql } from "kysely";
import { loadConfig } from "../../src/config/load.js";
import { DamagedDatabaseError } from "../../src/storage/damage.js";
import { IntegrityStamp } from "../../src/storage/sqlite/integrity.js";
import { openStore, type Store } from "../../src/storage/store.js";
import { DAMAGES, damagedDatabase, soundDatabase } from "../helpers/damaged-sqlite.js";

function open(path: string): Store {
  return openStore(loadConfig({ env: {}, overrides: { database: { path } } }).database);
}

const PAGE_SIZE = 4096;
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

  it("skips the page-by-page check only for a file it checked and closed cleanly, unchanged since", async () => {
    const path = join(mkdtempSync(join(dir, "stamp-")), "chat.db");
    copyFileSync(sound, path);
    const stamp = `${path}-checked`;
    const checkedOpen = async () => {
      const store = open(path);
      try {
        store.checkIntegrity();
        assert.equal(existsSync(stamp), false, "the stamp is gone while the file is open");
      } finally {
        await store.close();
      }
    };
    await checkedOpen();
    assert.equal(existsSync(stamp), true, "a clean close after a passed check leaves it");
    assert.equal(IntegrityStamp.take(path).trusted, true);
    await checkedOpen();
    // A page overwritten in place while the server was stopped: same file, new times.
    const fd = openSync(path, "r+");
    writeSync(fd, Buffer.alloc(PAGE_SIZE, 0x5a), 0, PAGE_SIZE, 2 * PAGE_SIZE);
    closeSync(fd);
    const store = open(path);
    try {
      assert.throws(() => store.checkIntegrity(), DamagedDatabaseError);
    } finally {
      await store.close();
    }
    assert.equal(existsSync(stamp), false, "no stamp for a file that failed its check");
  });

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
