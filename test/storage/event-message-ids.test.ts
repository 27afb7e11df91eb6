/**
 * Migration 017: the message events already in the log get their message_id from the
 * payload, and those of messages deleted before it are erased to the tombstone; other
 * events are left as they were. On SQLite the full-text index is switched to FTS5's
 * secure-delete.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { it } from "node:test";
import { sql } from "kysely";
import { migrateThrough } from "../../src/storage/migrate.js";
import { MIGRATION_NAMES } from "../../src/storage/migrations/index.js";
import { makeConversation, makeUsers, messageRow } from "../helpers/chat-rows.js";
import { openTestStore } from "../helpers/databases.js";

for (const engine of ["sqlite", "postgres"] as const) {
  it(`[${engine}] 017 records message ids and erases the events of deleted messages`, async () => {
    const opened = await openTestStore(engine, false);
    try {
      const { store } = opened;
      const before = MIGRATION_NAMES.filter((name) => name < "017_event_message_ids");
      await migrateThrough(store.db, engine, before.at(-1));
      const [a] = (await makeUsers(store, 1)) as [string];
      const chat = await makeConversation(store, [a]);
      const word = `gone${randomBytes(5).toString("hex")}`;
      const live = messageRow(chat.id, 1, a, { body: "still here" });
      const deleted = messageRow(chat.id, 2, a, { body: "", deleted_at: Date.now() });
      await store.db.insertInto("messages").values([live, deleted]).execute();
      // The log as a server before 017 left it: no message_id column yet.
      const view = (row: typeof live, body: string, extra: object = {}) => ({
        ...{ id: row.id, conversation_id: chat.id, seq: row.seq, sender_id: a },
        ...{ body, client_id: null, created_at: row.created_at },
        ...extra,
      });
      const files = [{ id: "f1", name: `${word}.pdf` }];
      const events = [
        { type: "message.new", message: view(live, "still here") },
        { type: "message.new", message: view(deleted, `first ${word}`, { attachments: files }) },
        { type: "message.updated", message: view(deleted, `second ${word}`, { edited_at: 5 }) },
        { type: "message.deleted", message: view(deleted, "", { deleted: true }) },
        { type: "reaction", message_id: live.id, user_id: a, emoji: "👍", action: "added" },
      ];
      for (const event of events) {
        await sql`insert into events (conversation_id, user_id, type, payload, created_at)
          values (${chat.id}, null, ${event.type}, ${JSON.stringify({ ...event, conversation_id: chat.id })}, ${Date.now()})`.execute(
          store.db,
        );
      }

      await store.migrate();
      const rows = await store.db
        .selectFrom("events")
        .select(["type", "payload", "message_id"])
        .orderBy("id")
        .execute();
      assert.deepEqual(
        rows.map((r) => [r.type, r.message_id]),
        [
          ["message.new", live.id],
          ["message.new", deleted.id],
          ["message.updated", deleted.id],
          ["message.deleted", deleted.id],
          ["reaction", null],
        ],
      );
      assert.deepEqual(JSON.parse(rows[0]?.payload ?? ""), {
        ...events[0],
        conversation_id: chat.id,
      });
      for (const row of rows.slice(1, 3)) {
        assert.ok(!row.payload.includes(word), row.payload);
        const event = JSON.parse(row.payload) as { type: string; message: Record<string, unknown> };
        assert.equal(event.type, row.type);
        assert.equal(event.message.id, deleted.id);
        assert.equal(event.message.body, "");
        assert.equal(event.message.deleted, true);
        assert.equal(event.message.attachments, undefined);
      }

      if (engine === "sqlite") {
        const { rows: config } = await sql<{ v: number }>`
          select v from message_search_config where k = 'secure-delete'`.execute(store.db);
        assert.equal(Number(config[0]?.v), 1);
      }
    } finally {
      await opened.cleanup();
    }
  });
}
