/**
 * The key backup over REST, on both engines: a person sets, reads and replaces their
 * wrapped key, stores, pages through, replaces and deletes chunks, nobody else reaches
 * them, bots are refused, and a deleted backup (or account) leaves no ciphertext behind —
 * on SQLite not even in the database file. The quotas are checked through the service on
 * the server's own store, with small limits in place of the protocol's 512 MiB.
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { KEY_BACKUP_CHUNK_MAX_BYTES } from "@private-chat/protocol/key-backup";
import { sql } from "kysely";
import { AppError } from "../../src/errors.js";
import { KeyBackupService } from "../../src/key-backup/service.js";
import { withoutHash } from "../../src/storage/users.js";
import { apiSuite } from "../helpers/api-suite.js";
import { forEachEngine } from "../helpers/engines.js";
import { createUser, type TestUser } from "../helpers/factories.js";
import type { client } from "../helpers/http.js";
import type { TestServer } from "../helpers/server.js";
import { erasureChecks } from "./erasure-fixture.js";
import {
  b64,
  backupBody,
  chunkData,
  chunkId,
  keyBackupCalls,
  nonCanonical,
  V1,
} from "./key-backup-fixture.js";

/** Ids whose byte order differs from a locale's ('-' < '0' < 'B' < '_' < 'a'). */
const IDS = ["aaaaaaaaaaaaaaaa", "_zzzzzzzzzzzzzzz", "BBBBBBBBBBBBBBBB", "----------------"];
const BYTE_ORDER = ["----------------", "BBBBBBBBBBBBBBBB", "_zzzzzzzzzzzzzzz", "aaaaaaaaaaaaaaaa"];

forEachEngine("key backup API", (run) => {
  let server: TestServer;
  let api: ReturnType<typeof client>;
  let calls: ReturnType<typeof keyBackupCalls>;
  const { started, as, users } = apiSuite(run, { integrations: { users_can_create_bots: true } });
  const { fileBytes } = erasureChecks(started);
  before(async () => {
    ({ server, api } = started());
    calls = keyBackupCalls(api);
    // The first account is the administrator: the others may delete theirs.
    await createUser(server.url);
  });
  const errorOf = (res: { status: number; body: any }) => [res.status, res.body?.error?.code];
  /** Rows of the person's backup and chunks, read past the API. */
  const rowsOf = async (userId: string) => {
    const db = server.ctx.store.db;
    const backups = await db
      .selectFrom("key_backups")
      .selectAll()
      .where("user_id", "=", userId)
      .execute();
    const chunks = await db
      .selectFrom("key_backup_chunks")
      .selectAll()
      .where("user_id", "=", userId)
      .execute();
    return backups.length + chunks.length;
  };
  /** Whether the database file (SQLite; always false on PostgreSQL) holds the text. */
  const inFile = async (text: string) => (await fileBytes())?.includes(text) ?? false;

  describe("the wrapped key", () => {
    it("is set, read and replaced; a replacement keeps the chunks", async () => {
      const [a] = (await users(1)) as [TestUser];
      const none = await calls.get(a);
      assert.deepEqual(errorOf(none), [404, "not_found"]);
      assert.equal(none.body.error.message, "no key backup: set one up first");

      const body = backupBody();
      const made = await calls.put(a, body);
      assert.equal(made.status, 201, made.text);
      assert.deepEqual(made.body.kdf, body.kdf);
      assert.equal(made.body.wrapped_key, body.wrapped_key);
      assert.equal(made.body.chunks, 0);
      assert.equal(made.body.bytes, 0);
      assert.equal(made.body.created_at, made.body.updated_at);
      assert.deepEqual((await calls.get(a)).body, made.body);

      assert.equal((await calls.putChunk(a, chunkId(), chunkData(100))).status, 204);
      const passphrase = { ...backupBody(), kdf: { ...backupBody().kdf, iterations: 3 } };
      const replaced = await calls.put(a, passphrase);
      assert.equal(replaced.status, 200, replaced.text);
      assert.deepEqual(replaced.body.kdf, passphrase.kdf);
      assert.equal(replaced.body.wrapped_key, passphrase.wrapped_key);
      assert.equal(replaced.body.created_at, made.body.created_at);
      assert.ok(replaced.body.updated_at >= made.body.updated_at);
      assert.deepEqual([replaced.body.chunks, replaced.body.bytes], [1, 100]);
      assert.deepEqual((await calls.get(a)).body, replaced.body);
    });

    it("refuses a salt or key that is not canonical base64url of its size, and a cost out of bounds", async () => {
      const [a] = (await users(1)) as [TestUser];
      const body = backupBody();
      const salt = b64(Buffer.alloc(16, 7));
      for (const bad of [
        { ...body, kdf: { ...body.kdf, salt: nonCanonical(salt) } },
        { ...body, kdf: { ...body.kdf, salt: "A".repeat(21) } },
        { ...body, kdf: { ...body.kdf, memory_kib: 1024 } },
        { ...body, kdf: { ...body.kdf, algorithm: "pbkdf2" } },
        { ...body, wrapped_key: `${body.wrapped_key.slice(0, 79)}=` },
        { ...body, wrapped_key: body.wrapped_key.slice(1) },
      ]) {
        const res = await calls.put(a, bad);
        assert.deepEqual(errorOf(res), [400, "invalid_request"], JSON.stringify(bad));
      }
      assert.deepEqual(errorOf(await calls.put(a, { ...body, extra: 1 })), [400, "unknown_fields"]);
      assert.equal((await calls.get(a)).status, 404, "nothing was stored");
      assert.equal((await calls.put(a, { ...body, kdf: { ...body.kdf, salt } })).status, 201);
    });
  });

  describe("chunks", () => {
    it("are stored, read, replaced, listed a page at a time in byte order, and deleted", async () => {
      const [a] = (await users(1)) as [TestUser];
      const first = chunkData(40);
      assert.deepEqual(errorOf(await calls.putChunk(a, IDS[0] as string, first)), [
        404,
        "not_found",
      ]);
      assert.deepEqual(errorOf(await calls.list(a)), [404, "not_found"]);
      await calls.setUp(a);
      assert.deepEqual((await calls.list(a)).body, { chunks: [] });

      const data = new Map<string, string>();
      for (const [i, id] of IDS.entries()) {
        data.set(id, chunkData(40 + i));
        assert.equal((await calls.putChunk(a, id, data.get(id))).status, 204);
      }
      const read = await calls.getChunk(a, IDS[1] as string);
      assert.equal(read.status, 200, read.text);
      assert.equal(read.body.id, IDS[1]);
      assert.equal(read.body.data, data.get(IDS[1] as string));

      // A replacement: new bytes and size, counted once.
      const bigger = chunkData(1000);
      assert.equal((await calls.putChunk(a, IDS[1] as string, bigger)).status, 204);
      assert.equal((await calls.getChunk(a, IDS[1] as string)).body.data, bigger);
      const totals = (await calls.get(a)).body;
      assert.deepEqual([totals.chunks, totals.bytes], [4, 40 + 1000 + 42 + 43]);

      const all = await calls.list(a);
      assert.deepEqual(
        all.body.chunks.map((c: { id: string }) => c.id),
        BYTE_ORDER,
      );
      assert.equal(all.body.next, undefined);
      assert.equal(all.body.chunks[2].bytes, 1000);
      const one = await calls.list(a, "?limit=3");
      assert.deepEqual(
        one.body.chunks.map((c: { id: string }) => c.id),
        BYTE_ORDER.slice(0, 3),
      );
      assert.equal(one.body.next, BYTE_ORDER[2]);
      const two = await calls.list(a, `?limit=3&after=${one.body.next}`);
      assert.deepEqual(two.body, { chunks: all.body.chunks.slice(3) });
      const exact = await calls.list(a, "?limit=4");
      assert.equal(exact.body.next, undefined, "no next when nothing is left");
      if (run.engine === "postgres") {
        // Byte order whatever the database's collation (this one's may be C already).
        const { rows } = await sql<{ collation_name: string }>`
          select collation_name from information_schema.columns
          where table_schema = current_schema() and table_name = 'key_backup_chunks'
            and column_name = 'id'`.execute(server.ctx.store.db);
        assert.equal(rows[0]?.collation_name, "C");
      }

      assert.equal((await calls.removeChunk(a, IDS[0] as string)).status, 204);
      assert.deepEqual(errorOf(await calls.getChunk(a, IDS[0] as string)), [404, "not_found"]);
      assert.deepEqual(errorOf(await calls.removeChunk(a, IDS[0] as string)), [404, "not_found"]);
      assert.equal((await calls.get(a)).body.chunks, 3);
    });

    it("refuses bad ids, data and pages with 400, and keeps nothing of them", async () => {
      const [a] = (await users(1)) as [TestUser];
      await calls.setUp(a);
      const id = chunkId();
      const badIds = ["A".repeat(15), "A".repeat(65), `${"A".repeat(15)}!`, `${"A".repeat(15)}=`];
      for (const bad of badIds) {
        const res = await calls.putChunk(a, bad, chunkData());
        assert.deepEqual(errorOf(res), [400, "invalid_request"], bad);
        assert.deepEqual(errorOf(await calls.getChunk(a, bad)), [400, "invalid_request"], bad);
      }
      const max = KEY_BACKUP_CHUNK_MAX_BYTES;
      for (const bad of [
        nonCanonical(chunkData(29)),
        `${chunkData(30)}=`,
        chunkData(27),
        chunkData(max + 1),
        {},
      ]) {
        const res = await calls.putChunk(a, id, bad);
        const what = typeof bad === "string" ? `${bad.length} characters` : JSON.stringify(bad);
        assert.deepEqual(errorOf(res), [400, "invalid_request"], what);
      }
      const extra = await calls.putChunk(a, id, { data: chunkData(), extra: 1 });
      assert.deepEqual(errorOf(extra), [400, "unknown_fields"]);
      for (const query of ["?limit=0", "?limit=1001", "?limit=x", "?after=short"]) {
        assert.deepEqual(errorOf(await calls.list(a, query)), [400, "invalid_request"], query);
      }
      assert.equal((await calls.get(a)).body.chunks, 0, "nothing was stored");
      // The bounds themselves are fine.
      assert.equal((await calls.putChunk(a, id, chunkData(28))).status, 204);
      assert.equal((await calls.putChunk(a, chunkId(), chunkData(max))).status, 204);
      assert.equal((await calls.get(a)).body.bytes, 28 + max);
    });

    it("are each person's own: another one reads, replaces or deletes none of them", async () => {
      const [a, b] = (await users(2)) as [TestUser, TestUser];
      await calls.setUp(a);
      const id = chunkId();
      const data = chunkData();
      assert.equal((await calls.putChunk(a, id, data)).status, 204);

      const notFound = { error: { code: "not_found", message: "chunk not found" } };
      assert.deepEqual((await calls.getChunk(b, id)).body, notFound);
      assert.deepEqual((await calls.removeChunk(b, id)).body, notFound);
      assert.deepEqual(errorOf(await calls.putChunk(b, id, chunkData())), [404, "not_found"]);
      assert.deepEqual(errorOf(await calls.list(b)), [404, "not_found"]);
      assert.deepEqual(errorOf(await calls.get(b)), [404, "not_found"]);
      assert.deepEqual(errorOf(await calls.remove(b)), [404, "not_found"]);

      // Her own backup under the same id is hers alone.
      await calls.setUp(b);
      const hers = chunkData();
      assert.equal((await calls.putChunk(b, id, hers)).status, 204);
      assert.equal((await calls.getChunk(b, id)).body.data, hers);
      assert.equal((await calls.getChunk(a, id)).body.data, data);
      assert.equal((await calls.remove(b)).status, 204);
      assert.equal((await calls.getChunk(a, id)).body.data, data);
      assert.equal((await calls.get(a)).body.chunks, 1);
    });
  });

  it("refuses bots: their tokens never reach the routes, and the service says no too", async () => {
    const [owner] = (await users(1)) as [TestUser];
    const made = await api.post(`${V1}/bots`, { username: `kbbot${Date.now()}` }, as(owner));
    assert.equal(made.status, 201, made.text);
    const bot = { ...owner, id: made.body.bot.id, token: made.body.token };
    for (const res of [await calls.get(bot), await calls.put(bot), await calls.list(bot)]) {
      assert.deepEqual(errorOf(res), [403, "insufficient_scope"]);
    }
    const found = await server.ctx.store.users.byId(bot.id);
    assert.ok(found?.isBot);
    const user = withoutHash(found);
    for (const call of [
      () => server.ctx.keyBackups.get(user),
      () => server.ctx.keyBackups.put(user, backupBody()),
      () => server.ctx.keyBackups.putChunk(user, chunkId(), chunkData()),
      () => server.ctx.keyBackups.chunks(user, { limit: 10 }),
    ]) {
      await assert.rejects(
        call(),
        (err) =>
          err instanceof AppError &&
          err.code === "forbidden" &&
          err.message === "bots have no key backup",
      );
    }
  });

  describe("deletion", () => {
    it("DELETE /key-backup removes the wrapped key and every chunk, their bytes too", async () => {
      const [a] = (await users(1)) as [TestUser];
      const { wrapped_key } = await calls.setUp(a);
      const ids = [chunkId(), chunkId()];
      const data = [chunkData(), chunkData()];
      for (const [i, id] of ids.entries()) await calls.putChunk(a, id, data[i]);
      const onSqlite = run.engine === "sqlite";
      for (const text of [wrapped_key, ...data]) assert.equal(await inFile(text), onSqlite);

      // One chunk first: its bytes go with it.
      assert.equal((await calls.removeChunk(a, ids[0] as string)).status, 204);
      assert.equal(await inFile(data[0] as string), false);
      assert.equal(await inFile(data[1] as string), onSqlite);

      assert.equal((await calls.remove(a)).status, 204);
      assert.deepEqual(errorOf(await calls.get(a)), [404, "not_found"]);
      assert.deepEqual(errorOf(await calls.getChunk(a, ids[1] as string)), [404, "not_found"]);
      assert.deepEqual(errorOf(await calls.remove(a)), [404, "not_found"]);
      assert.equal(await rowsOf(a.id), 0);
      for (const text of [wrapped_key, ...data]) assert.equal(await inFile(text), false, text);

      // A new backup starts empty.
      assert.equal((await calls.setUp(a)).chunks, 0);
    });

    it("deleting the account removes its key backup and chunks", async () => {
      const [a] = (await users(1)) as [TestUser];
      const { wrapped_key } = await calls.setUp(a);
      const data = chunkData();
      await calls.putChunk(a, chunkId(), data);
      assert.equal(await rowsOf(a.id), 2);
      const gone = await api.delete(`${V1}/me`, { ...as(a), body: { password: a.password } });
      assert.equal(gone.status, 204, gone.text);
      assert.equal(await rowsOf(a.id), 0);
      for (const text of [wrapped_key, data]) assert.equal(await inFile(text), false);
    });
  });

  describe("quotas (the service on this server's store, with small limits)", () => {
    const refused = (what: RegExp) => (err: unknown) =>
      err instanceof AppError &&
      err.code === "quota_exceeded" &&
      err.status === 413 &&
      what.test(err.message);
    const userOf = async (t: TestUser) => {
      const found = await server.ctx.store.users.byId(t.id);
      assert.ok(found);
      return withoutHash(found);
    };

    it("counts chunks: a new one past the limit is refused, a replacement is not", async () => {
      const [t] = (await users(1)) as [TestUser];
      await calls.setUp(t);
      const user = await userOf(t);
      const service = new KeyBackupService(server.ctx.store, { chunksMax: 3 });
      const ids = [chunkId(), chunkId(), chunkId()];
      for (const id of ids) await service.putChunk(user, id, chunkData());
      await assert.rejects(service.putChunk(user, chunkId(), chunkData()), refused(/at most 3/));
      const replacement = chunkData(80);
      await service.putChunk(user, ids[0] as string, replacement);
      assert.equal((await service.chunk(user, ids[0] as string)).data, replacement);
      await service.removeChunk(user, ids[1] as string);
      await service.putChunk(user, chunkId(), chunkData());
      assert.equal((await service.get(user)).chunks, 3);
    });

    it("counts bytes: a replacement counts its new size instead of the old", async () => {
      const [t] = (await users(1)) as [TestUser];
      await calls.setUp(t);
      const user = await userOf(t);
      const service = new KeyBackupService(server.ctx.store, { bytesMax: 250 });
      const [x, y] = [chunkId(), chunkId()];
      await service.putChunk(user, x, chunkData(100));
      const kept = chunkData(100);
      await service.putChunk(user, y, kept);
      await assert.rejects(service.putChunk(user, chunkId(), chunkData(51)), refused(/250 bytes/));
      await service.putChunk(user, chunkId(), chunkData(50));
      await assert.rejects(service.putChunk(user, y, chunkData(101)), refused(/would make 251/));
      assert.equal((await service.chunk(user, y)).data, kept, "the refused one changed nothing");
      await service.putChunk(user, y, chunkData(60));
      assert.deepEqual(
        [(await service.get(user)).chunks, (await service.get(user)).bytes],
        [3, 210],
      );
    });

    it("lets no two uploads at once pass a quota together", async () => {
      const [t] = (await users(1)) as [TestUser];
      await calls.setUp(t);
      const user = await userOf(t);
      const service = new KeyBackupService(server.ctx.store, { chunksMax: 5 });
      for (let i = 0; i < 4; i++) await service.putChunk(user, chunkId(), chunkData());
      // Room for one more: without the lock, uploads that overlap would each find it free.
      const results = await Promise.allSettled(
        Array.from({ length: 20 }, () => service.putChunk(user, chunkId(), chunkData())),
      );
      assert.equal(results.filter((r) => r.status === "fulfilled").length, 1);
      for (const r of results) {
        if (r.status === "rejected") assert.ok(refused(/at most 5/)(r.reason), String(r.reason));
      }
      assert.equal((await service.get(user)).chunks, 5);
    });
  });
});
