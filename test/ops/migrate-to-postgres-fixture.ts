/**
 * What the migrate-to-postgres suites share: a chat built through the API, what each user sees
 * of it, row-by-row comparison of SQLite and PostgreSQL without the tool, the CLI call, and
 * scratch directories and schemas removed after each suite.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after } from "node:test";
import type { ConversationView, MessageView } from "@private-chat/protocol/chat";
import SqliteDatabase from "better-sqlite3-multiple-ciphers";
import pg from "pg";
import { KNOWN_TABLES } from "../../src/ops/migrate-to-postgres/tables.js";
import { deviceCalls, keyPackages } from "../api/devices-fixture.js";
import { chunkData, chunkId, keyBackupCalls } from "../api/key-backup-fixture.js";
import { uploadOk } from "../attachments/support.js";
import { addMembers, createDirect, createGroup, sendMessage } from "../helpers/chat.js";
import { runCli } from "../helpers/cli.js";
import { createUser, type TestUser } from "../helpers/factories.js";
import { client } from "../helpers/http.js";
import { createTestSchema, type TestSchema } from "../helpers/postgres.js";

export const V1 = "/api/v1";
const INT8_OID = 20;
export const COPIED = KNOWN_TABLES.filter((t) => !t.skip).map((t) => t.name);

type Row = Record<string, unknown>;

/** What each user sees through the API; must be identical before and after. */
export interface Seen {
  conversations: ConversationView[];
  histories: Record<string, MessageView[]>;
  events: unknown[];
  cursor: number;
}

export async function seenBy(baseUrl: string, token: string): Promise<Seen> {
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
export async function buildChat(baseUrl: string): Promise<TestUser[]> {
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
    [carol, "🍎"],
    [carol, "🍌"],
    [carol, "❤️"],
    [alice, "🍒"],
  ] as const) {
    const res = await api.post(`${V1}/messages/${first.id}/reactions`, { emoji }, as(user));
    assert.equal(res.status, 200, res.text);
  }
  await api.post(`${V1}/messages/${third.id}/reactions`, { emoji: "🎉" }, as(alice));
  assert.equal(
    (
      await api.delete(
        `${V1}/messages/${first.id}/reactions/${encodeURIComponent("🍒")}`,
        as(alice),
      )
    ).status,
    200,
  );
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
  // Notification preferences: a muted group and do-not-disturb hours travel too.
  const muted = await api.put(
    `${V1}/conversations/${group.id}/notifications`,
    { level: "mentions", muted_until: 8_640_000_000_000_000 },
    as(bob),
  );
  assert.equal(muted.status, 200, muted.text);
  const quiet = await api.put(
    `${V1}/me/notifications`,
    { dnd: { start: "22:00", end: "07:00", time_zone: "Europe/Berlin" } },
    as(bob),
  );
  assert.equal(quiet.status, 200, quiet.text);
  // Carol, who shares nothing with Alice any more, asks her (a message request), and
  // dave blocks carol: the rows of blocks and message_requests travel too.
  const asked = await api.post(
    `${V1}/conversations`,
    { type: "direct", member_ids: [alice.id] },
    as(carol),
  );
  assert.equal(asked.body.request, "sent", asked.text);
  assert.equal((await api.post(`${V1}/blocks`, { user_id: carol.id }, as(dave))).status, 201);
  // A device of alice's with key packages, one of them last resort: they travel too.
  const devices = deviceCalls(api);
  const laptop = await devices.register(alice);
  const [last] = await keyPackages(laptop, 1);
  assert.equal((await devices.upload(laptop, await keyPackages(laptop, 2), last)).status, 200);
  // Alice's key backup with two chunks: the ciphertext travels as it is.
  const backup = keyBackupCalls(api);
  await backup.setUp(alice);
  for (const id of [chunkId(), chunkId()])
    assert.equal((await backup.putChunk(alice, id, chunkData())).status, 204);
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

export async function postgres(schema: TestSchema, text: string): Promise<Row[]> {
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
export async function assertSameRows(path: string, schema: TestSchema): Promise<void> {
  for (const table of COPIED) {
    const expected = canonical(sqliteRows(path, table));
    const actual = canonical(await postgres(schema, `select * from ${table}`));
    assert.equal(actual.length, expected.length, `${table} row count`);
    assert.deepEqual(actual, expected, `${table} rows`);
  }
}

export function migrate(from: string, schema: TestSchema, ...extra: string[]) {
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

export const fileBytes = (path: string) => readFileSync(path).toString("base64");

/** Temporary directories and PostgreSQL schemas for one suite, all removed after it. */
export function migrationScratch() {
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
  return { tempDir, tempSchema };
}
