/**
 * Deleting a message removes its text, not just its visibility: after send, edit and
 * delete, no trace of any of its bodies is left in what sync replays, in the event log's
 * rows, in search (and SQLite's full-text index), in the push queue, or in the SQLite
 * file itself once its WAL is checkpointed (secure_delete). The log keeps references to
 * messages; whole events (written before the contract step 020, or before migration 017
 * without message_id) are found and erased too.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { before, describe, it } from "node:test";
import type { MessageView } from "@private-chat/protocol/chat";
import { queuePushes } from "../../src/push/enqueue.js";
import { REFERENCE_PAYLOAD } from "../../src/storage/event-reference.js";
import { createGroup, sendMessage } from "../helpers/chat.js";
import { forEachEngine } from "../helpers/engines.js";
import type { TestUser } from "../helpers/factories.js";
import type { client } from "../helpers/http.js";
import type { TestServer } from "../helpers/server.js";
import { erasureChecks, uniqueWord } from "./erasure-fixture.js";
import { messagesApi, V1 } from "./messages-fixture.js";

forEachEngine("messages API: deletion erases the text", (run) => {
  let server: TestServer;
  let api: ReturnType<typeof client>;
  const { started, as, users } = messagesApi(run);
  before(() => {
    ({ server, api } = started());
  });
  const { db, syncText, searchFinds, ftsRows, fileBytes } = erasureChecks(started);

  const edit = async (user: TestUser, id: string, body: string) => {
    const res = await api.patch<MessageView>(`${V1}/messages/${id}`, { body }, as(user));
    assert.equal(res.status, 200, res.text);
    return res.body;
  };
  const remove = async (user: TestUser, id: string) => {
    const res = await api.delete<MessageView>(`${V1}/messages/${id}`, as(user));
    assert.equal(res.status, 200, res.text);
    return res.body;
  };
  const eventRows = () =>
    db().selectFrom("events").select(["id", "type", "payload", "message_id"]).execute();
  it("leaves no trace of any body in sync, the event log, search or the file", async () => {
    const [author, reader] = (await users(2)) as [TestUser, TestUser];
    const group = await createGroup(server.url, author, [reader], "erasure");
    const words = [uniqueWord("sent"), uniqueWord("edited"), uniqueWord("final")];
    const [sent, edited, final] = words as [string, string, string];
    const kept = uniqueWord("kept");
    const message = await sendMessage(server.url, author, group.id, `first ${sent}`);
    const other = await sendMessage(server.url, author, group.id, `another ${kept}`);

    await edit(author, message.id, `second ${edited}`);
    // While the message lives its edits are history: the old words no longer match.
    assert.equal(await searchFinds(reader, sent), 0, "an edited message no longer matches");
    assert.equal(await ftsRows(sent), 0, "the index forgot the replaced body");
    await edit(author, message.id, `third ${final}`);
    assert.equal(await searchFinds(reader, final), 1);
    assert.ok((await syncText(reader)).includes(final), "before the delete sync has the text");

    const tombstone = await remove(author, message.id);
    assert.equal(tombstone.body, "");
    assert.equal(tombstone.deleted, true);

    const replay = await syncText(reader);
    for (const word of words) {
      assert.ok(!replay.includes(word), `sync shows no "${word}"`);
      assert.equal(await searchFinds(reader, word), 0, `search finds no "${word}"`);
      assert.equal(await ftsRows(word), 0, `the full-text index holds no "${word}"`);
    }
    assert.ok(replay.includes(kept), "other messages are untouched");
    assert.equal(await searchFinds(reader, kept), 1);

    const rows = await eventRows();
    for (const row of rows) {
      for (const word of words) assert.ok(!row.payload.includes(word), `event ${row.id}`);
    }
    // Ids and types stay: cursors are gapless and the new/updated events still say what
    // happened, as references to the message, now its tombstone.
    const mine = rows.filter((r) => r.message_id === message.id);
    assert.deepEqual(
      mine.map((r) => r.type),
      ["message.new", "message.updated", "message.updated", "message.deleted"],
    );
    for (const row of mine) {
      if (row.type !== "message.deleted") {
        assert.equal(row.payload, REFERENCE_PAYLOAD);
        continue;
      }
      const event = JSON.parse(row.payload) as { type: string; message: MessageView };
      assert.deepEqual(event.message, tombstone);
    }
    assert.equal(rows.find((r) => r.message_id === other.id)?.type, "message.new");

    // Once the WAL is copied back and cut, the SQLite file itself holds none of the
    // words: secure_delete overwrote what the erased rows and index entries held.
    const bytes = await fileBytes();
    if (bytes) {
      assert.ok(bytes.includes(kept), "the check can see a live message's words");
      for (const word of words) assert.ok(!bytes.includes(word), `the file holds no "${word}"`);
    }
  });

  it("erases events written before their message_id was recorded", async () => {
    const [author, reader] = (await users(2)) as [TestUser, TestUser];
    const group = await createGroup(server.url, author, [reader], "older events");
    const word = uniqueWord("older");
    const message = await sendMessage(server.url, author, group.id, `old ${word}`);
    const newer = uniqueWord("newer");
    await edit(author, message.id, `new ${newer}`);
    // As a node of the version before migration 017 writes them: whole, without message_id.
    const bodies: Record<string, string> = {
      "message.new": `old ${word}`,
      "message.updated": `new ${newer}`,
    };
    for (const [type, body] of Object.entries(bodies)) {
      const whole = { type, conversation_id: group.id, message: { ...message, body } };
      await db()
        .updateTable("events")
        .set({ message_id: null, payload: JSON.stringify(whole) })
        .where("message_id", "=", message.id)
        .where("type", "=", type)
        .execute();
    }
    assert.ok((await syncText(reader)).includes(newer), "replay shows the whole rows");
    await remove(author, message.id);
    const left = (await eventRows()).filter((r) => r.message_id === message.id);
    assert.equal(left.length, 3, "the rewritten rows now name their message");
    for (const row of left) {
      assert.ok(!row.payload.includes(word) && !row.payload.includes(newer), row.payload);
    }
    const replay = await syncText(reader);
    assert.ok(!replay.includes(word) && !replay.includes(newer));
  });

  it("on a node before the contract step, erases the whole events it logged", async () => {
    const [author, reader] = (await users(2)) as [TestUser, TestUser];
    const group = await createGroup(server.url, author, [reader], "whole events");
    const word = uniqueWord("whole");
    const format = server.ctx.store.eventFormat;
    format.references = false;
    try {
      const message = await sendMessage(server.url, author, group.id, `logged ${word}`);
      const logged = (await eventRows()).filter((r) => r.message_id === message.id);
      assert.ok(logged[0]?.payload.includes(word), "the event repeats the body");
      const tombstone = await remove(author, message.id);
      for (const row of (await eventRows()).filter((r) => r.message_id === message.id)) {
        assert.ok(!row.payload.includes(word), row.payload);
        assert.deepEqual((JSON.parse(row.payload) as { message: MessageView }).message, tombstone);
      }
      assert.ok(!(await syncText(reader)).includes(word));
    } finally {
      format.references = true;
    }
  });

  describe("pushes", () => {
    it("drops the queued pushes of a deleted message and queues none later", async () => {
      const [author, reader] = (await users(2)) as [TestUser, TestUser];
      const group = await createGroup(server.url, author, [reader], "pushed");
      const word = uniqueWord("pushed");
      const message = await sendMessage(server.url, author, group.id, `push ${word}`);
      const session = await db()
        .selectFrom("sessions")
        .select("id")
        .where("user_id", "=", reader.id)
        .executeTakeFirstOrThrow();
      await server.ctx.store.push.save(
        {
          id: randomUUID(),
          user_id: reader.id,
          session_id: session.id,
          endpoint: `https://push.invalid/${randomUUID()}`,
          p256dh: "key",
          auth: "auth",
          created_at: Date.now(),
        },
        10,
      );
      const wanted = [{ message: { ...message, body: `push ${word}` }, userIds: [reader.id] }];
      const queuedText = async () => {
        const rows = await db().selectFrom("push_queue").select("payload").execute();
        return rows.filter((r) => r.payload.includes(message.id));
      };
      assert.equal(await queuePushes(server.ctx.store, true, wanted), 1);
      assert.ok((await queuedText())[0]?.payload.includes(word), "the push carries the text");

      await remove(author, message.id);
      assert.deepEqual(await queuedText(), [], "the delete dropped it");
      // A push wanted before the delete but stored after it is not stored.
      assert.equal(await queuePushes(server.ctx.store, true, wanted), 0);
      assert.deepEqual(await queuedText(), []);
    });
  });
});
