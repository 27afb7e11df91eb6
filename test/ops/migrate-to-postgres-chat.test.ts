/**
 * Copying a chat built through the API: every row arrives and is verified, the server then
 * serves the same chat from PostgreSQL; a target holding data needs --resume; a changed copy
 * fails verification naming the row; a source the tool does not know is refused.
 */
import assert from "node:assert/strict";
import { copyFileSync } from "node:fs";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import SqliteDatabase from "better-sqlite3-multiple-ciphers";
import { parse as parseToml } from "smol-toml";
import { UploadsDirError } from "../../src/attachments/uploads-dir.js";
import { latestSchemaVersion } from "../../src/storage/migrate.js";
import { download } from "../attachments/support.js";
import { runCli } from "../helpers/cli.js";
import type { TestUser } from "../helpers/factories.js";
import { client } from "../helpers/http.js";
import { startTestServer } from "../helpers/server.js";
import {
  assertSameRows,
  buildChat,
  COPIED,
  fileBytes,
  migrate,
  migrationScratch,
  postgres,
  type Seen,
  seenBy,
  V1,
} from "./migrate-to-postgres-fixture.js";

describe("chat-server migrate-to-postgres: a chat built through the API", () => {
  const { tempDir, tempSchema } = migrationScratch();
  let dir: string;
  let path: string;
  let users: TestUser[];
  const before_: Record<string, Seen> = {};

  before(async () => {
    dir = tempDir();
    path = join(dir, "chat.db");
    const server = await startTestServer({ rate_limit: { enabled: false } }, { dir });
    try {
      users = await buildChat(server.url);
      for (const user of users) before_[user.id] = await seenBy(server.url, user.token);
    } finally {
      await server.stop();
    }
  });

  it("copies every row, verifies, and serves the same chat from PostgreSQL", async () => {
    const schema = await tempSchema();
    const sqliteBefore = fileBytes(path);
    const result = await migrate(path, schema);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /verified: every copied table/);
    for (const table of COPIED)
      assert.match(result.stdout, new RegExp(`^${table} .* ok sha256 [0-9a-f]{16}$`, "m"));
    assert.match(result.stdout, /^nodes .* not copied: /m);
    assert.match(result.stderr, /^messages: 8\/8 rows \(100%\)$/m);
    assert.match(result.stderr, /^attachments: 2\/2 rows \(100%\)$/m);
    assert.match(result.stderr, /^events\.id continues at \d+/m);
    assert.equal(fileBytes(path), sqliteBefore, "the SQLite file is never written");
    await assertSameRows(path, schema);

    // The sections it prints keep the attachments where the SQLite server kept them.
    const printed = parseToml(result.stdout.slice(result.stdout.indexOf("\n[database]\n"))) as any;
    assert.deepEqual(
      { ...printed.database },
      {
        type: "postgres",
        url: schema.url,
        schema: schema.schema,
        path,
      },
    );
    assert.deepEqual({ ...printed.uploads }, { path: join(dir, "uploads") });
    assert.doesNotMatch(result.stderr, /holds none/);
    const database = { type: "postgres" as const, url: schema.url, schema: schema.schema };
    // Without them the server would look for the files beside the built-in database path.
    const elsewhere = tempDir();
    await assert.rejects(
      startTestServer(
        { database, uploads: { path: join(elsewhere, "data", "uploads") } },
        { dir: elsewhere },
      ),
      UploadsDirError,
    );

    const server = await startTestServer({
      rate_limit: { enabled: false },
      database,
      uploads: { path: printed.uploads.path },
    });
    try {
      const api = client(server.url);
      const tokens: Record<string, string> = {};
      for (const user of users) {
        const login = await api.post(`${V1}/auth/login`, {
          username: user.username,
          password: user.password,
        });
        assert.equal(login.status, 200, login.text);
        tokens[user.id] = login.body.token;
        assert.deepEqual(await seenBy(server.url, login.body.token), before_[user.id]);
      }
      const [alice] = users as [TestUser];
      const group = before_[alice.id]!.conversations.find((c) => c.type === "group")!;
      const lastCursor = Math.max(...Object.values(before_).map((s) => s.cursor));
      const sent = await api.post(
        `${V1}/conversations/${group.id}/messages`,
        { body: "first message on PostgreSQL" },
        { token: tokens[alice.id] },
      );
      assert.equal(sent.status, 201, sent.text);
      assert.equal(sent.body.seq, group.last_seq + 1);
      const sync = await api.get(`${V1}/sync?since=${lastCursor}`, { token: tokens[alice.id] });
      assert.equal(sync.status, 200, sync.text);
      assert.equal(sync.body.events.length, 1);
      assert.equal(sync.body.events[0].type, "message.new");
      assert.equal(sync.body.events[0].message.id, sent.body.id);
      assert.equal(sync.body.events[0].cursor, lastCursor + 1);
      const dave = users.find((user) => user.username.startsWith("dave"))!;
      const sqlite = new SqliteDatabase(path, { readonly: true });
      const notes = sqlite.prepare("select id from attachments where name = 'notes.txt'").get() as {
        id: string;
      };
      sqlite.close();
      const file = await download(
        server.url,
        { ...dave, token: tokens[dave.id]! },
        `/attachments/${notes.id}`,
      );
      assert.equal(file.status, 200);
      assert.equal(file.bytes.toString(), "minutes");
    } finally {
      await server.stop();
    }
  });

  it("refuses a target that holds data unless --resume, which then copies nothing twice", async () => {
    const schema = await tempSchema();
    assert.equal((await migrate(path, schema)).code, 0);
    const again = await migrate(path, schema);
    assert.equal(again.code, 1);
    assert.match(
      again.stderr,
      /^chat-server: migrate-to-postgres: the target already holds data \(4 users\);.*--resume/m,
    );
    const resumed = await migrate(path, schema, "--resume");
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.match(resumed.stdout, /^messages +8 +8 +0 +[\d.]+ +ok/m);
    await assertSameRows(path, schema);
  });

  it("exits non-zero, naming the table and row, when the copy differs from the source", async () => {
    const schema = await tempSchema();
    assert.equal((await migrate(path, schema)).code, 0);
    const [changed] = await postgres(
      schema,
      "update messages set body = 'changed' where body = 'hello bob' returning id",
    );
    const result = await migrate(path, schema, "--resume");
    assert.equal(result.code, 1);
    assert.match(
      result.stdout,
      new RegExp(`^messages .* MISMATCH \\(first difference at id=${changed!.id}\\)$`, "m"),
    );
    assert.match(result.stdout, /^users .* ok sha256/m);
    assert.match(
      result.stderr,
      /^chat-server: migrate-to-postgres: verification failed: messages \(same 8 rows, different content; first difference at id=/m,
    );
  });

  it("refuses a source at another schema version, or with a table it does not know", async () => {
    const schema = await tempSchema();
    const variant = (sql: string) => {
      const copy = join(tempDir(), "chat.db");
      copyFileSync(path, copy);
      const db = new SqliteDatabase(copy);
      db.exec(sql);
      db.close();
      return copy;
    };
    const older = await migrate(
      variant(`delete from schema_migrations where name = '${latestSchemaVersion()}'`),
      schema,
    );
    assert.equal(older.code, 1);
    assert.match(
      older.stderr,
      new RegExp(
        `older schema \\(missing ${latestSchemaVersion()}\\); start this chat-server on it once, or run \`chat-server db migrate\``,
      ),
    );
    const newer = await migrate(
      variant("insert into schema_migrations (name, timestamp) values ('999_future', 'x')"),
      schema,
    );
    assert.equal(newer.code, 1);
    assert.match(newer.stderr, /does not know \(999_future\): it was written by a newer version/);
    const extra = await migrate(variant("create table stickers (id text primary key)"), schema);
    assert.equal(extra.code, 1);
    assert.match(extra.stderr, /tables the migration does not know: stickers;/);
    const missing = await migrate(join(dir, "absent.db"), schema);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /--from .*absent\.db: no such file/);
    const usage = await runCli(["migrate-to-postgres", "--from", path]);
    assert.equal(usage.code, 64);
  });
});
