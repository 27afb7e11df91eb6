/**
 * Thread replies over REST, on both engines: they keep to their thread (gapless
 * thread_seq) and out of the timeline unless sent to both, and the root carries the
 * summary.
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import type { MessageView } from "@private-chat/protocol/chat";
import { createDirect, sendMessage } from "../helpers/chat.js";
import { forEachEngine } from "../helpers/engines.js";
import type { TestUser } from "../helpers/factories.js";
import type { client } from "../helpers/http.js";
import type { TestServer } from "../helpers/server.js";
import { V1 } from "./messages-fixture.js";
import { threadsApi } from "./threads-fixture.js";

forEachEngine("threads API: replies", (run) => {
  let server: TestServer;
  let api: ReturnType<typeof client>;
  const { started, as, users, send, history, conversation, reply, thread, one, bodies } =
    threadsApi(run);
  before(() => {
    ({ server, api } = started());
  });

  describe("replies", () => {
    it("go to the root's thread in order, stay out of the timeline, and sum up under the root", async () => {
      const [a, b] = (await users(2)) as [TestUser, TestUser];
      const direct = await createDirect(server.url, a, b);
      const root = await sendMessage(server.url, a, direct.id, "lunch?");
      const first = await reply(b, direct.id, root.id, "yes");
      assert.equal(first.thread_id, root.id);
      assert.equal(first.thread_seq, 1);
      // A reply to a reply goes to the same root.
      const second = await reply(a, direct.id, first.id, "noon");
      assert.equal(second.thread_id, root.id);
      assert.equal(second.thread_seq, 2);
      const both = await reply(b, direct.id, root.id, "see you there", true);
      assert.equal(both.also_to_conversation, true);
      assert.equal(both.thread_seq, 3);
      const after = await sendMessage(server.url, a, direct.id, "back in the main");

      const timeline = await history(b, direct.id);
      assert.deepEqual(bodies(timeline), ["lunch?", "see you there", "back in the main"]);
      const shownRoot = timeline[0] as MessageView;
      assert.equal(shownRoot.thread?.reply_count, 3);
      assert.equal(shownRoot.thread?.last_reply_at, both.created_at);
      assert.deepEqual(shownRoot.thread?.participant_ids, [b.id, a.id]);
      assert.deepEqual((await one(a, root.id)).thread, shownRoot.thread);
      // Replies take conversation seqs too, so sync and resume stay gapless.
      assert.deepEqual(
        [root, first, second, both, after].map((m) => m.seq),
        [1, 2, 3, 4, 5].map((n) => n + root.seq - 1),
      );

      assert.deepEqual(bodies(await thread(a, root.id)), ["yes", "noon", "see you there"]);
      // Named by a reply, the same thread; paged by thread_seq.
      assert.deepEqual(bodies(await thread(a, second.id, "?after=1")), ["noon", "see you there"]);
      assert.deepEqual(bodies(await thread(a, root.id, "?before=3")), ["yes", "noon"]);
      assert.deepEqual(bodies(await thread(a, root.id, "?limit=1")), ["see you there"]);
      assert.deepEqual(bodies(await thread(a, root.id, "?after=1&limit=1")), ["noon"]);
      assert.deepEqual(await thread(a, after.id), []);

      // Replies kept to the thread do not count as unread in the conversation.
      assert.equal((await conversation(b, direct.id)).unread_count, 1);
      // Nor do they stand for the conversation's last message.
      await reply(a, direct.id, root.id, "a late reply");
      assert.equal((await conversation(b, direct.id)).last_message?.body, "back in the main");
    });

    it("refuses a thread of another conversation, an unknown one, and a lone also_to_conversation", async () => {
      const [a, b, c] = (await users(3)) as [TestUser, TestUser, TestUser];
      const ours = await createDirect(server.url, a, b);
      const theirs = await createDirect(server.url, b, c);
      const elsewhere = await sendMessage(server.url, b, theirs.id, "not yours");
      for (const body of [
        { body: "x", thread_id: elsewhere.id },
        { body: "x", thread_id: "no-such-message" },
        { body: "x", also_to_conversation: true },
        { body: "x", thread_id: "" },
        { body: "x", thread_id: elsewhere.id, also_to_conversation: "yes" },
      ]) {
        const res = await send(a, ours.id, body);
        assert.equal(res.status, 400, `${JSON.stringify(body)}: ${res.text}`);
        assert.equal(typeof res.body.error.code, "string");
      }
      // A thread one may not see is not found, like a message that does not exist.
      const hidden = await api.get(`${V1}/messages/${elsewhere.id}/thread`, as(a));
      assert.equal(hidden.status, 404);
      const missing = await api.get(`${V1}/messages/nothing-here/thread`, as(a));
      assert.equal(missing.status, 404);
      assert.deepEqual(await history(a, ours.id), []);
      const bad = await api.get(`${V1}/messages/${elsewhere.id}/thread?limit=0`, as(b));
      assert.equal(bad.status, 400);
    });

    it("give every one of many concurrent replies its own place, with none missing", async () => {
      const [a, b] = (await users(2)) as [TestUser, TestUser];
      const direct = await createDirect(server.url, a, b);
      const root = await sendMessage(server.url, a, direct.id, "busy thread");
      const sent = await Promise.all(
        Array.from({ length: 30 }, (_, i) => reply(i % 2 ? a : b, direct.id, root.id, `r${i}`)),
      );
      const places = sent.map((m) => m.thread_seq).sort((x, y) => (x ?? 0) - (y ?? 0));
      assert.deepEqual(
        places,
        Array.from({ length: 30 }, (_, i) => i + 1),
      );
      const listed = await thread(b, root.id, "?limit=100");
      assert.deepEqual(
        listed.map((m) => m.thread_seq),
        places,
      );
      assert.equal((await one(b, root.id)).thread?.reply_count, 30);
    });
  });
});
