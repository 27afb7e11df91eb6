/**
 * Edit history: GET /api/v1/messages/:id/versions lists a message's earlier bodies, oldest
 * first, to those who may see the message (404 to anyone else, as for a missing one), and
 * deleting the message erases them from the database.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { before, describe, it } from "node:test";
import {
  MAX_MESSAGE_VERSIONS,
  type MessageVersionsResponse,
  type MessageView,
} from "@private-chat/protocol/chat";
import { addMembers, createGroup, sendMessage } from "../helpers/chat.js";
import { forEachEngine } from "../helpers/engines.js";
import type { TestUser } from "../helpers/factories.js";
import type { client } from "../helpers/http.js";
import type { TestServer } from "../helpers/server.js";
import { messagesApi, V1 } from "./messages-fixture.js";

forEachEngine("messages API: edit history", (run) => {
  let server: TestServer;
  let api: ReturnType<typeof client>;
  const { started, as, users } = messagesApi(run);
  before(() => {
    ({ server, api } = started());
  });

  const edit = async (user: TestUser, id: string, body: string) => {
    const res = await api.patch<MessageView>(`${V1}/messages/${id}`, { body }, as(user));
    assert.equal(res.status, 200, res.text);
    return res.body;
  };
  const versions = (user: TestUser, id: string) =>
    api.get<MessageVersionsResponse>(`${V1}/messages/${id}/versions`, as(user));
  const storedRows = (id: string) =>
    server.ctx.store.db
      .selectFrom("message_versions")
      .selectAll()
      .where("message_id", "=", id)
      .execute();

  describe("listing", () => {
    it("keeps each earlier body, oldest first, with the time it was written", async () => {
      const [owner, author] = (await users(2)) as [TestUser, TestUser];
      const group = await createGroup(server.url, owner, [author], "history");
      const message = await sendMessage(server.url, author, group.id, "first draft");
      const none = await versions(owner, message.id);
      assert.equal(none.status, 200, none.text);
      assert.deepEqual(none.body, { versions: [] });

      const second = await edit(author, message.id, "second draft");
      const third = await edit(author, message.id, "final <b>text</b>");
      for (const reader of [owner, author]) {
        const res = await versions(reader, message.id);
        assert.equal(res.status, 200, res.text);
        assert.deepEqual(res.body, {
          versions: [
            { body: "first draft", edited_at: message.created_at },
            { body: "second draft", edited_at: second.edited_at },
          ],
        });
      }
      // The current body is the message's own.
      const current = await api.get<MessageView>(`${V1}/messages/${message.id}`, as(owner));
      assert.equal(current.body.body, "final <b>text</b>");
      assert.equal(current.body.edited_at, third.edited_at);
    });

    it(`keeps the latest ${MAX_MESSAGE_VERSIONS} earlier versions`, async () => {
      const [author] = (await users(1)) as [TestUser];
      const group = await createGroup(server.url, author, [], "many edits");
      const message = await sendMessage(server.url, author, group.id, "v0");
      for (let i = 1; i <= MAX_MESSAGE_VERSIONS + 1; i++) await edit(author, message.id, `v${i}`);
      const res = await versions(author, message.id);
      assert.equal(res.status, 200, res.text);
      const bodies = res.body.versions.map((v) => v.body);
      assert.equal(bodies.length, MAX_MESSAGE_VERSIONS);
      assert.equal(bodies[0], "v1", "the oldest went first");
      assert.equal(bodies.at(-1), `v${MAX_MESSAGE_VERSIONS}`);
      assert.equal((await storedRows(message.id)).length, MAX_MESSAGE_VERSIONS);
    });
  });

  describe("who may see them", () => {
    it("answers 404 to a stranger, a former member outside their period and for a missing id", async () => {
      const [owner, author, stranger, former] = (await users(4)) as [
        TestUser,
        TestUser,
        TestUser,
        TestUser,
      ];
      const group = await createGroup(server.url, owner, [author, former], "private");
      const during = await sendMessage(server.url, author, group.id, "said while former was in");
      await edit(author, during.id, "said, then corrected");
      const left = await api.delete(
        `${V1}/conversations/${group.id}/members/${former.id}`,
        as(former),
      );
      assert.equal(left.status, 204, left.text);
      const after = await sendMessage(server.url, author, group.id, "secret original");
      await edit(author, after.id, "secret edited");

      const missing = await versions(owner, randomUUID());
      assert.equal(missing.status, 404);
      assert.equal(
        (missing.body as unknown as { error: { code: string } }).error.code,
        "not_found",
      );
      for (const [user, id] of [
        [stranger, during.id],
        [stranger, after.id],
        [former, after.id],
        [former, during.id],
      ] as const) {
        const res = await versions(user, id);
        assert.equal(res.status, 404, `${user.username}: ${res.text}`);
        assert.equal(res.text, missing.text, "a hidden message answers like a missing one");
        assert.ok(!res.text.includes("secret"));
      }
      // Out of the group, a former member sees neither (as with GET /messages/:id); added
      // again, they read their first period's message, and the gap stays hidden.
      await addMembers(server.url, owner, group.id, [former]);
      const seen = await versions(former, during.id);
      assert.equal(seen.status, 200, seen.text);
      assert.deepEqual(
        seen.body.versions.map((v) => v.body),
        ["said while former was in"],
      );
      const gap = await versions(former, after.id);
      assert.equal(gap.status, 404);
      assert.equal(gap.text, missing.text);
    });
  });

  describe("deleting", () => {
    it("erases the earlier versions from the database", async () => {
      const [owner, author] = (await users(2)) as [TestUser, TestUser];
      const group = await createGroup(server.url, owner, [author], "delete");
      const message = await sendMessage(server.url, author, group.id, "regretted");
      await edit(author, message.id, "still regretted");
      await edit(author, message.id, "regretted again");
      const kept = await sendMessage(server.url, author, group.id, "kept");
      await edit(author, kept.id, "kept, edited");
      assert.equal((await storedRows(message.id)).length, 2);

      // A group admin's delete erases them as the author's would.
      const deleted = await api.delete(`${V1}/messages/${message.id}`, as(owner));
      assert.equal(deleted.status, 200, deleted.text);
      assert.deepEqual(await storedRows(message.id), [], "the rows are gone, not hidden");
      const res = await versions(author, message.id);
      assert.equal(res.status, 200, res.text);
      assert.deepEqual(res.body, { versions: [] });
      assert.equal((await storedRows(kept.id)).length, 1, "other messages keep theirs");
    });
  });
});
