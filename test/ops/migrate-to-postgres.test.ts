import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import SqliteDatabase from "better-sqlite3";
import pg from "pg";
import { loadConfig } from "../../src/config/load.js";
import { Progress } from "../../src/ops/migrate-to-postgres/progress.js";
import { KNOWN_TABLES } from "../../src/ops/migrate-to-postgres/tables.js";
import type { ConversationView, MessageView } from "../../src/protocol/chat.js";
import { latestSchemaVersion } from "../../src/storage/migrate.js";
import { openStore } from "../../src/storage/store.js";
import { uploadOk } from "../attachments/support.js";
import { addMembers, createDirect, createGroup, sendMessage } from "../helpers/chat.js";
import { makeConversation, makeUsers, messageRow } from "../helpers/chat-rows.js";
import { finished, runCli, spawnCli } from "../helpers/cli.js";
import { createUser, type TestUser } from "../helpers/factories.js";
import { client } from "../helpers/http.js";
import { createTestSchema, type TestSchema } from "../helpers/postgres.js";
import { startTestServer } from "../helpers/server.js";

const V1 = "/api/v1";
const INT8_OID = 20;
const COPIED = KNOWN_TABLES.filter((t) => !t.skip).map((t) => t.name);

type Row = Record<string, unknown>;

/** What each user sees through the API; must be identical before and after. */
interface Seen {
  conversations: ConversationView[];
  histories: Record<string, MessageView[]>;
  events: unknown[];
  cursor: number;
}

async function seenBy(baseUrl: string, token: string): Promise<Seen> {
  const api = client(baseUrl);
  const list = await api.get<{ conversations: ConversationView[] }>(`${V1}/conversations`, {
    token,
  });
  assert.equal(list.status, 200, list.text);
  const histories: Record<string, MessageView[]> = {};
  for (const conversation of list.body.conversations) {
    const page = await api.get<{ messages: MessageView[] }>(
      `${V1}/conversations/${conversation.id}/messages?limit=100`,
      { token },
    );
    assert.equal(page.status, 200, page.text);
    histories[conversation.id] = page.body.messages;
  }
  const sync = await api.get<{ events: unknown[]; cursor: number }>(
    `${V1}/sync?since=0&limit=1000`,
    { token },
  );
  assert.equal(sync.status, 200, sync.text);
  return {
    conversations: list.body.conversations,
    histories,
    events: sync.body.events,
    cursor: sync.body.cursor,
  };
}

/** A chat with direct and group conversations, replies, edits, deletes, reactions and reads. */
async function buildChat(baseUrl: string): Promise<TestUser[]> {
  const api = client(baseUrl);
  const as = (user: TestUser) => ({ token: user.token });
  const [alice, bob, carol, dave] = [
    await createUser(baseUrl, { username: "Alice" }),
    await createUser(baseUrl, { username: "bob" }),
    await createUser(baseUrl, { username: "carol_Z" }),
    await createUser(baseUrl, { username: "dave" }),
  ] as [TestUser, TestUser, TestUser, TestUser];
  const direct = await createDirect(baseUrl, alice, bob);
  const hello = await sendMessage(baseUrl, alice, direct.id, "hello bob", { client_id: "c-1" });
  await sendMessage(baseUrl, bob, direct.id, 'quotes " and \\ backslash, {braces}, NULL, é 👍', {
    reply_to: hello.id,
  });
  await sendMessage(baseUrl, bob, direct.id, "multi\nline\ttext");
  const group = await createGroup(baseUrl, alice, [bob, carol], "Project X");
  const first = await sendMessage(baseUrl, carol, group.id, "first in the group @Alice");
  const second = await sendMessage(baseUrl, bob, group.id, "to be edited");
  const third = await sendMessage(baseUrl, bob, group.id, "to be deleted");
  for (const [user, emoji] of [
    [alice, "👍"],
    [bob, "👍"],
    [carol, "a"],
    [carol, "B"],
    [carol, "❤️"],
    [alice, "Z"],
  ] as const) {
    const res = await api.post(`${V1}/messages/${first.id}/reactions`, { emoji }, as(user));
    assert.equal(res.status, 200, res.text);
  }
  await api.post(`${V1}/messages/${third.id}/reactions`, { emoji: "🎉" }, as(alice));
  assert.equal((await api.delete(`${V1}/messages/${first.id}/reactions/Z`, as(alice))).status, 200);
  assert.equal(
    (await api.patch(`${V1}/messages/${second.id}`, { body: "edited" }, as(bob))).status,
    200,
  );
  assert.equal((await api.delete(`${V1}/messages/${third.id}`, as(bob))).status, 200);
  await api.patch(`${V1}/conversations/${group.id}`, { title: "Project Y" }, as(alice));
  await addMembers(baseUrl, alice, group.id, [dave]);
  await sendMessage(baseUrl, dave, group.id, "dave joined late");
  // Attachments, one sent and one not: their rows travel with the messages.
  const notes = await uploadOk(baseUrl, dave, group.id, Buffer.from("minutes"), {
    name: "notes.txt",
  });
  await api.post(
    `${V1}/conversations/${group.id}/messages`,
    { body: "", attachment_ids: [notes.id] },
    as(dave),
  );
  await uploadOk(baseUrl, alice, direct.id, Buffer.from("draft"), { name: "draft.txt" });
  await api.delete(`${V1}/conversations/${group.id}/members/${carol.id}`, as(carol));
  await api.post(`${V1}/conversations/${group.id}/read`, { seq: 2 }, as(bob));
  await api.post(`${V1}/conversations/${direct.id}/read`, { seq: 3 }, as(alice));
  // A second session of bob's, ended: sessions hold revoked rows too.
  const bobAgain = await api.post(`${V1}/auth/login`, { username: "BOB", password: bob.password });
  await api.post(`${V1}/auth/logout`, undefined, { token: bobAgain.body.token });
  return [alice, bob, carol, dave];
}

function sqliteRows(path: string, table: string): Row[] {
  const db = new SqliteDatabase(path, { readonly: true });
  try {
    return db.prepare(`select * from ${table}`).all() as Row[];
  } finally {
    db.close();
  }
}

async function postgres(schema: TestSchema, text: string): Promise<Row[]> {
  const c = new pg.Client({
    connectionString: schema.url,
    options: `-c search_path=${schema.schema}`,
    // int8 as a number, as SQLite returns it: every value in these tests fits.
    types: {
      getTypeParser: ((oid: number, format?: string) =>
        oid === INT8_OID
          ? Number
          : pg.types.getTypeParser(oid, format as "text")) as typeof pg.types.getTypeParser,
    },
  });
  await c.connect();
  try {
    return (await c.query(text)).rows;
  } finally {
    await c.end();
  }
}

const canonical = (rows: Row[]) => rows.map((r) => JSON.stringify(r, Object.keys(r).sort())).sort();

/** Every copied table holds the same rows on both sides, compared without the tool. */
async function assertSameRows(path: string, schema: TestSchema): Promise<void> {
  for (const table of COPIED) {
    const expected = canonical(sqliteRows(path, table));
    const actual = canonical(await postgres(schema, `select * from ${table}`));
    assert.equal(actual.length, expected.length, `${table} row count`);
    assert.deepEqual(actual, expected, `${table} rows`);
  }
}

function migrate(from: string, schema: TestSchema, ...extra: string[]) {
  return runCli([
    "migrate-to-postgres",
    "--from",
    from,
    "--to",
    schema.url,
    "--schema",
    schema.schema,
    ...extra,
  ]);
}

const fileBytes = (path: string) => readFileSync(path).toString("base64");

describe("chat-server migrate-to-postgres", () => {
  const dirs: string[] = [];
  const schemas: TestSchema[] = [];
  const tempDir = () => {
    const dir = mkdtempSync(join(tmpdir(), "chat-migrate-"));
    dirs.push(dir);
    return dir;
  };
  const tempSchema = async () => {
    const schema = await createTestSchema();
    schemas.push(schema);
    return schema;
  };
  after(async () => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    for (const schema of schemas) await schema.drop();
  });

  describe("a chat built through the API", () => {
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

      const server = await startTestServer({
        rate_limit: { enabled: false },
        database: { type: "postgres", url: schema.url, schema: schema.schema },
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

  it("refuses a SQLite file a running server is using", async () => {
    const dir = tempDir();
    const server = await startTestServer({}, { dir });
    try {
      const result = await migrate(join(dir, "chat.db"), await tempSchema());
      assert.equal(result.code, 1);
      assert.match(
        result.stderr,
        /a chat-server is running on .*chat\.db \(.+:\d+\); stop it first/,
      );
    } finally {
      await server.stop();
    }
  });

  it("continues an interrupted migration with --resume and verifies it", async () => {
    const dir = tempDir();
    const path = join(dir, "chat.db");
    const database = loadConfig({ env: {}, overrides: { database: { path } } }).database;
    const store = openStore(database);
    await store.migrate();
    const count = 20_000;
    await store.transaction(async (tx) => {
      const [a, b] = (await makeUsers(tx, 2)) as [string, string];
      const conversation = await makeConversation(tx, [a, b], { last_seq: count });
      for (let seq = 1; seq <= count; seq++) {
        const row = messageRow(conversation.id, seq, seq % 2 ? a : b, {
          body: `m ${seq} ${randomUUID()}`,
        });
        await tx.messages.insert(row);
        await tx.events.append({
          conversationId: conversation.id,
          userId: null,
          type: "message.new",
          payload: JSON.stringify({ id: row.id, seq }),
          now: row.created_at,
        });
      }
    });
    await store.close();
    const schema = await tempSchema();

    const child = spawnCli([
      "migrate-to-postgres",
      "--from",
      path,
      "--to",
      schema.url,
      "--schema",
      schema.schema,
      "--batch-size",
      "500",
    ]);
    const run = finished(child);
    await new Promise<void>((resolve, reject) => {
      let seen = "";
      child.stderr?.on("data", (chunk) => {
        seen += chunk;
        if (/^messages: [\d,]+\/20,000 rows \(\d\d?%\)$/m.test(seen)) {
          child.kill("SIGKILL");
          resolve();
        }
      });
      child.on("close", () => reject(new Error(`ended before copying messages:\n${seen}`)));
    });
    const killed = await run;
    assert.equal(killed.signal, "SIGKILL");
    const partial = (await postgres(schema, "select * from messages")).length;
    assert.ok(partial > 0 && partial < count, `${partial} messages copied before the kill`);

    const refused = await migrate(path, schema);
    assert.equal(refused.code, 1);
    const resumed = await migrate(path, schema, "--resume");
    assert.equal(resumed.code, 0, resumed.stderr);
    const copiedNow = /^messages +20,000 +20,000 +([\d,]+) +[\d.]+ +ok/m.exec(resumed.stdout);
    assert.ok(copiedNow, resumed.stdout);
    assert.equal(Number(copiedNow[1]!.replaceAll(",", "")), count - partial);
    assert.match(resumed.stdout, /^events +20,000 +20,000 .* ok/m);
    await assertSameRows(path, schema);
  });

  it("draws a bar in place on a terminal and writes plain lines otherwise", () => {
    const output = (isTTY: boolean) => {
      let text = "";
      const progress = new Progress({ isTTY, write: (chunk: string) => (text += chunk) });
      progress.startTable("messages", 1000, 0);
      for (let i = 0; i < 10; i++) progress.advance(100);
      progress.finishTable();
      progress.startTable("invites", 0, 0);
      progress.finishTable();
      return text;
    };
    const tty = output(true);
    const redraw = `\r\x1b[2K${"messages".padEnd(20)}`;
    assert.ok(tty.startsWith(`${redraw} [${"-".repeat(30)}]   0% 0/1,000 rows`), tty);
    assert.ok(tty.includes(`${redraw} [${"#".repeat(15)}${"-".repeat(15)}]  50% 500/1,000 rows`));
    assert.ok(tty.includes(`${redraw} [${"#".repeat(30)}] 100% 1,000/1,000 rows\n`));
    const plain = output(false);
    assert.ok(!plain.includes("\r") && !plain.includes("\x1b"));
    const lines = plain.trim().split("\n");
    assert.equal(lines.length, 11);
    assert.equal(lines[0], "messages: 100/1,000 rows (10%)");
    assert.equal(lines[9], "messages: 1,000/1,000 rows (100%)");
    assert.equal(lines[10], "invites: 0/0 rows (100%)");
  });
});
