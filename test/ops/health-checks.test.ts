import assert from "node:assert/strict";
import { closeSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import { join } from "node:path";
import { it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import SqliteDatabase from "better-sqlite3-multiple-ciphers";
import { sql } from "kysely";
import { uploadsDir } from "../../src/attachments/setup.js";
import { UploadsDirError } from "../../src/attachments/uploads-dir.js";
import { download, uploadOk } from "../attachments/support.js";
import { createGroup } from "../helpers/chat.js";
import { forEachEngine } from "../helpers/engines.js";
import { createUser } from "../helpers/factories.js";
import { client } from "../helpers/http.js";
import type { TestServer } from "../helpers/server.js";

async function health(server: TestServer) {
  const res = await client(server.url).get("/health");
  return { status: res.status, body: res.body };
}

/** The guide's three fields, and on failure the names of the failing checks. */
function assertUnhealthy(
  got: { status: number; body: Record<string, unknown> },
  failing: string[],
): void {
  assert.equal(got.status, 503);
  assert.equal(got.body.status, "unhealthy");
  assert.ok(Number.isInteger(got.body.timestamp) && Number.isInteger(got.body.uptime_seconds));
  assert.deepEqual(got.body.failing, failing);
}

function assertHealthy(got: { status: number; body: Record<string, unknown> }): void {
  assert.equal(got.status, 200);
  assert.deepEqual(Object.keys(got.body), ["status", "timestamp", "uptime_seconds"]);
  assert.equal(got.body.status, "healthy");
}

forEachEngine("/health checks", ({ engine, start }) => {
  it("reads the tables: unhealthy while one cannot be read, healthy again once it can", async () => {
    const server = await start();
    try {
      assertHealthy(await health(server));
      const db = server.ctx.store.db;
      await sql`alter table events rename to events_away`.execute(db);
      assertUnhealthy(await health(server), ["database"]);
      await sql`alter table events_away rename to events`.execute(db);
      assertHealthy(await health(server));
    } finally {
      await server.stop();
    }
  });

  it("checks the uploads directory: unhealthy while it is missing", async () => {
    const server = await start();
    try {
      const root = uploadsDir(server.config);
      rmSync(root, { recursive: true, force: true });
      assertUnhealthy(await health(server), ["uploads"]);
      // A file where the directory was is no better.
      closeSync(openSync(root, "w"));
      assertUnhealthy(await health(server), ["uploads"]);
      rmSync(root);
      mkdirSync(root, { mode: 0o700 });
      assertHealthy(await health(server));
    } finally {
      await server.stop();
    }
  });

  it("refuses to start where the uploads directory lacks the files the database lists", async () => {
    const first = await start();
    const owner = await createUser(first.url);
    const group = await createGroup(first.url, owner, []);
    const stored = await uploadOk(first.url, owner, group.id, Buffer.from("kept bytes"));
    await first.close();
    const auth = { jwt_secret: first.config.auth.jwt_secret };
    const elsewhere = join(first.dir, "elsewhere");
    await assert.rejects(
      start({ auth, uploads: { path: elsewhere } }, { restartOf: first }),
      (err) => {
        assert.ok(err instanceof UploadsDirError);
        assert.match(err.message, /holds no attachments, yet the database lists stored ones/);
        assert.ok(err.message.includes(elsewhere));
        assert.match(err.message, /docs\/TROUBLESHOOTING\.md/);
        return true;
      },
    );
    // Nothing was created in the wrong place, and the right place still serves the file.
    const again = await start({ auth }, { restartOf: first });
    try {
      assert.throws(() => renameSync(elsewhere, `${elsewhere}.x`), { code: "ENOENT" });
      const res = await download(again.url, owner, `/attachments/${stored.id}`);
      assert.equal(res.status, 200);
      assert.equal(res.bytes.toString(), "kept bytes");
    } finally {
      await again.stop();
    }
  });

  if (engine === "sqlite") {
    it("is unhealthy once a request met a damaged page, though the health reads pass", async () => {
      const server = await start();
      try {
        const owner = await createUser(server.url);
        await createGroup(server.url, owner, []);
        const path = server.config.database.path;
        const raw = new SqliteDatabase(path);
        const { rootpage } = raw
          .prepare("select rootpage from sqlite_master where name = 'conversation_members'")
          .get() as { rootpage: number };
        // Every page in the file itself, then one of them overwritten behind the server. A
        // checkpoint that met the server reading stops short and leaves pages in the WAL,
        // where the server would read a sound copy: asked again until it is complete.
        for (let tries = 0; ; tries++) {
          const [result] = raw.pragma("wal_checkpoint(TRUNCATE)") as { busy: number }[];
          if (result?.busy === 0) break;
          if (tries === 100) throw new Error("the server never let the checkpoint finish");
          await sleep(50);
        }
        const fd = openSync(path, "r+");
        writeSync(fd, Buffer.alloc(4096, 0x5a), 0, 4096, (rootpage - 1) * 4096);
        closeSync(fd);
        // A commit by another connection makes the server's connection drop its cache.
        raw.pragma("user_version = 1");
        raw.close();
        assertHealthy(await health(server));
        const list = await client(server.url).get("/api/v1/conversations", {
          token: owner.token,
        });
        assert.equal(list.status, 500);
        assertUnhealthy(await health(server), ["database"]);
      } finally {
        await server.stop();
      }
    });
  }
});
