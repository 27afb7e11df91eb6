/**
 * The usual rules hold for thread replies, on both engines: deleting a root or a reply,
 * membership periods and who may see what.
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import type { MessageView } from "@private-chat/protocol/chat";
import { addMembers, createDirect, createGroup, sendMessage } from "../helpers/chat.js";
import { forEachEngine } from "../helpers/engines.js";
import type { TestUser } from "../helpers/factories.js";
import type { client } from "../helpers/http.js";
import type { TestServer } from "../helpers/server.js";
import { connect, type Frame } from "../helpers/socket.js";
import { V1 } from "./messages-fixture.js";
import { threadsApi } from "./threads-fixture.js";

forEachEngine("threads API: deletion and membership", (run) => {
  let server: TestServer;
  let api: ReturnType<typeof client>;
  const { started, as, users, send, reply, thread, bodies } = threadsApi(run);
  before(() => {
    ({ server, api } = started());
  });

  describe("deletion and membership", () => {
    it("a deleted reply leaves the count; a deleted root keeps its replies", async () => {
      const [a, b] = (await users(2)) as [TestUser, TestUser];
      const direct = await createDirect(server.url, a, b);
      const root = await sendMessage(server.url, a, direct.id, "root to go");
      const kept = await reply(b, direct.id, root.id, "kept");
      const gone = await reply(b, direct.id, root.id, "gone");
      const watcher = await connect(server.url, a.token);
      try {
        assert.equal((await api.delete(`${V1}/messages/${gone.id}`, as(b))).status, 200);
        const updated: Frame = await watcher.next((f) => f.type === "thread.updated");
        assert.equal(updated.thread.reply_count, 1);
      } finally {
        await watcher.close();
      }
      const deletedRoot = await api.delete<MessageView>(`${V1}/messages/${root.id}`, as(a));
      assert.equal(deletedRoot.status, 200);
      assert.equal(deletedRoot.body.deleted, true);
      assert.equal(deletedRoot.body.thread?.reply_count, 1);
      const listed = await thread(b, root.id);
      assert.deepEqual(
        listed.map((m) => [m.id, m.deleted ?? false]),
        [
          [kept.id, false],
          [gone.id, true],
        ],
      );
      // Edits of a reply keep it in its thread.
      const edited = await api.patch<MessageView>(
        `${V1}/messages/${kept.id}`,
        { body: "kept, edited" },
        as(b),
      );
      assert.equal(edited.status, 200, edited.text);
      assert.equal(edited.body.thread_id, root.id);
      assert.equal(edited.body.thread_seq, 1);
    });

    it("a member who left and came back sees no replies from while they were away", async () => {
      const [owner, member] = (await users(2)) as [TestUser, TestUser];
      const group = await createGroup(server.url, owner, [member], "thread periods");
      const root = await sendMessage(server.url, owner, group.id, "root");
      await reply(owner, group.id, root.id, "before leaving");
      const left = await api.delete(
        `${V1}/conversations/${group.id}/members/${member.id}`,
        as(member),
      );
      assert.equal(left.status, 204, left.text);
      await reply(owner, group.id, root.id, "while away");
      await addMembers(server.url, owner, group.id, [member]);
      await reply(owner, group.id, root.id, "after coming back");
      assert.deepEqual(bodies(await thread(member, root.id)), [
        "before leaving",
        "after coming back",
      ]);
      assert.deepEqual(bodies(await thread(owner, root.id)), [
        "before leaving",
        "while away",
        "after coming back",
      ]);
    });

    it("a member who joined after the root may not reply in its thread", async () => {
      const [owner, late] = (await users(2)) as [TestUser, TestUser];
      const group = await createGroup(server.url, owner, [], "late joiner");
      const root = await sendMessage(server.url, owner, group.id, "before you");
      await addMembers(server.url, owner, group.id, [late]);
      const res = await send(late, group.id, { body: "me too", thread_id: root.id });
      assert.equal(res.status, 400, res.text);
      assert.equal((await api.get(`${V1}/messages/${root.id}/thread`, as(late))).status, 404);
    });
  });
});
