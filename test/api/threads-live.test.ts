/**
 * Thread replies reach members live over the socket and by sync, on both engines.
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { createDirect, sendMessage } from "../helpers/chat.js";
import { forEachEngine } from "../helpers/engines.js";
import type { TestUser } from "../helpers/factories.js";
import type { client } from "../helpers/http.js";
import type { TestServer } from "../helpers/server.js";
import { connect, type Frame } from "../helpers/socket.js";
import { V1 } from "./messages-fixture.js";
import { threadsApi } from "./threads-fixture.js";

forEachEngine("threads API: live and sync", (run) => {
  let server: TestServer;
  let api: ReturnType<typeof client>;
  const { started, as, users } = threadsApi(run);
  before(() => {
    ({ server, api } = started());
  });

  describe("live and sync", () => {
    it("a reply over the socket reaches the other member with thread.updated, and sync replays both", async () => {
      const [a, b] = (await users(2)) as [TestUser, TestUser];
      const direct = await createDirect(server.url, a, b);
      const root = await sendMessage(server.url, a, direct.id, "socket root");
      const sender = await connect(server.url, a.token);
      const watcher = await connect(server.url, b.token);
      try {
        sender.send({
          type: "message.send",
          id: "t1",
          conversation_id: direct.id,
          body: "over the socket",
          thread_id: root.id,
        });
        const ack: Frame = await sender.next((f) => f.type === "ack" && f.id === "t1");
        assert.equal(ack.message.thread_id, root.id);
        assert.equal(ack.message.thread_seq, 1);
        const message: Frame = await watcher.next((f) => f.type === "message.new");
        assert.equal(message.message.thread_id, root.id);
        const updated: Frame = await watcher.next((f) => f.type === "thread.updated");
        assert.equal(updated.conversation_id, direct.id);
        assert.equal(updated.root_id, root.id);
        assert.deepEqual(updated.thread.participant_ids, [a.id]);
        assert.equal(updated.thread.reply_count, 1);
        assert.ok(updated.cursor > message.cursor);

        sender.send({
          type: "message.send",
          id: "t2",
          conversation_id: direct.id,
          body: "nowhere",
          thread_id: "no-such-root",
        });
        const refused: Frame = await sender.next((f) => f.type === "error" && f.id === "t2");
        assert.equal(refused.code, "invalid_request");
      } finally {
        await sender.close();
        await watcher.close();
      }
      const synced = await api.get<{ events: Frame[] }>(`${V1}/sync?since=0`, as(b));
      const mine = synced.body.events.filter((e) => e.conversation_id === direct.id);
      assert.deepEqual(mine.map((e) => e.type).slice(-3), [
        "message.new",
        "message.new",
        "thread.updated",
      ]);
    });
  });
});
