/**
 * Message requests over REST: a direct conversation between people who share nothing is
 * a request (pending for the one asked, sent for the one asking) until it is accepted;
 * declining hides it from the one asked; only they may answer it, and only members
 * learn it exists.
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import type { ConversationView } from "@private-chat/protocol/chat";
import { apiSuite } from "../helpers/api-suite.js";
import { createGroup, requestDirect, sendMessage } from "../helpers/chat.js";
import { forEachEngine } from "../helpers/engines.js";
import type { TestUser } from "../helpers/factories.js";
import type { client } from "../helpers/http.js";
import { V1 } from "./conversations-fixture.js";

forEachEngine("message requests API", (run) => {
  let api: ReturnType<typeof client>;
  let url: string;
  const { started, as, users } = apiSuite(run);
  before(() => {
    ({ api } = started());
    url = started().server.url;
  });

  const view = async (user: TestUser, id: string) => {
    const res = await api.get<ConversationView>(`${V1}/conversations/${id}`, as(user));
    assert.equal(res.status, 200, res.text);
    return res.body;
  };
  const listed = async (user: TestUser, id: string) => {
    const res = await api.get<{ conversations: ConversationView[] }>(
      `${V1}/conversations?limit=100`,
      as(user),
    );
    assert.equal(res.status, 200, res.text);
    return res.body.conversations.find((c) => c.id === id);
  };

  describe("opening", () => {
    it("a stranger's direct conversation is a request: sent for them, pending for the other", async () => {
      const [a, b] = (await users(2)) as [TestUser, TestUser];
      const res = await api.post<ConversationView>(
        `${V1}/conversations`,
        { type: "direct", member_ids: [b.id] },
        as(a),
      );
      assert.equal(res.status, 201);
      assert.equal(res.body.request, "sent");
      assert.equal((await view(b, res.body.id)).request, "pending");
      assert.equal((await listed(b, res.body.id))?.request, "pending");
      assert.equal((await listed(a, res.body.id))?.request, "sent");
      // Asking again answers the same conversation, still a request.
      const again = await api.post<ConversationView>(
        `${V1}/conversations`,
        { type: "direct", member_ids: [b.id] },
        as(a),
      );
      assert.equal(again.status, 200);
      assert.equal(again.body.id, res.body.id);
      assert.equal(again.body.request, "sent");
      const sync = await api.get(`${V1}/sync?since=0`, as(b));
      const created = sync.body.events.find(
        (e: { type: string; conversation_id: string }) =>
          e.type === "conversation.created" && e.conversation_id === res.body.id,
      );
      assert.equal(created.conversation.request, true);
      assert.equal(created.created_by, a.id);
    });

    it("people who share a group open an ordinary direct conversation", async () => {
      const [a, b] = (await users(2)) as [TestUser, TestUser];
      await createGroup(url, a, [b]);
      const direct = await requestDirect(url, b, a);
      assert.equal(direct.request, undefined);
      assert.equal((await view(a, direct.id)).request, undefined);
      const sync = await api.get(`${V1}/sync?since=0`, as(a));
      const created = sync.body.events.find(
        (e: { type: string; conversation_id: string }) =>
          e.type === "conversation.created" && e.conversation_id === direct.id,
      );
      assert.equal("request" in created.conversation, false);
    });

    it("a direct conversation with oneself is no request", async () => {
      const [a] = (await users(1)) as [TestUser];
      const self = await requestDirect(url, a, a);
      assert.equal(self.request, undefined);
    });

    it("in a request nobody sees the other's presence or read mark", async () => {
      const [a, b] = (await users(2)) as [TestUser, TestUser];
      const direct = await requestDirect(url, a, b);
      await sendMessage(url, a, direct.id, "hello stranger");
      const read = await api.post(`${V1}/conversations/${direct.id}/read`, { seq: 1 }, as(b));
      assert.equal(read.status, 200);
      const seenByA = (await view(a, direct.id)).members.find((m) => m.user.id === b.id);
      assert.equal(seenByA?.read_seq, 0, "the one asking cannot tell the request was read");
      assert.equal(seenByA?.online, false);
      assert.equal(seenByA?.last_seen_at, null);
      const profile = await api.get(`${V1}/users/${b.id}`, as(a));
      assert.equal(profile.body.online, false);
      assert.equal(profile.body.last_seen_at, null);
      // The reader's own view still shows their mark.
      const mine = (await view(b, direct.id)).members.find((m) => m.user.id === b.id);
      assert.equal(mine?.read_seq, 1);
    });
  });

  describe("answering", () => {
    it("accepting makes an ordinary conversation and logs request.accepted for both", async () => {
      const [a, b] = (await users(2)) as [TestUser, TestUser];
      const direct = await requestDirect(url, a, b);
      const res = await api.post<ConversationView>(
        `${V1}/conversations/${direct.id}/accept`,
        undefined,
        as(b),
      );
      assert.equal(res.status, 200, res.text);
      assert.equal(res.body.request, undefined);
      assert.equal((await view(a, direct.id)).request, undefined);
      for (const user of [a, b]) {
        const sync = await api.get(`${V1}/sync?since=0`, as(user));
        const accepted = sync.body.events.filter(
          (e: { type: string; conversation_id: string }) =>
            e.type === "request.accepted" && e.conversation_id === direct.id,
        );
        assert.equal(accepted.length, 1);
        assert.equal(accepted[0].user_id, b.id);
      }
      // Now receipts show.
      await sendMessage(url, a, direct.id, "hi");
      await api.post(`${V1}/conversations/${direct.id}/read`, { seq: 1 }, as(b));
      const seen = (await view(a, direct.id)).members.find((m) => m.user.id === b.id);
      assert.equal(seen?.read_seq, 1);
      // Answering again: it is no request any more.
      const again = await api.post(`${V1}/conversations/${direct.id}/accept`, undefined, as(b));
      assert.equal(again.status, 409);
      assert.equal(again.body.error.code, "conflict");
      const decline = await api.post(`${V1}/conversations/${direct.id}/decline`, undefined, as(b));
      assert.equal(decline.status, 409);
    });

    it("declining keeps it listed as declined with nothing unread; the asker sees no change", async () => {
      const [a, b] = (await users(2)) as [TestUser, TestUser];
      const direct = await requestDirect(url, a, b);
      await sendMessage(url, a, direct.id, "one");
      const res = await api.post<ConversationView>(
        `${V1}/conversations/${direct.id}/decline`,
        undefined,
        as(b),
      );
      assert.equal(res.status, 200, res.text);
      assert.equal(res.body.request, "declined");
      assert.equal(res.body.unread_count, 0);
      // Declining twice is no change.
      const twice = await api.post(`${V1}/conversations/${direct.id}/decline`, undefined, as(b));
      assert.equal(twice.status, 200);
      // The asker may still send; it is stored, and they see the request as sent.
      await sendMessage(url, a, direct.id, "two");
      assert.equal((await view(a, direct.id)).request, "sent");
      const listedForB = await listed(b, direct.id);
      assert.equal(listedForB?.request, "declined");
      assert.equal(listedForB?.unread_count, 0);
      assert.equal(listedForB?.last_seq, 2);
      // Accepting after declining works.
      const accepted = await api.post<ConversationView>(
        `${V1}/conversations/${direct.id}/accept`,
        undefined,
        as(b),
      );
      assert.equal(accepted.status, 200);
      assert.equal(accepted.body.request, undefined);
      assert.equal(accepted.body.unread_count, 2);
    });

    it("only the one asked may answer: the asker gets 403, others and unknown ids 404", async () => {
      const [a, b, c] = (await users(3)) as [TestUser, TestUser, TestUser];
      const direct = await requestDirect(url, a, b);
      for (const action of ["accept", "decline"]) {
        const asker = await api.post(
          `${V1}/conversations/${direct.id}/${action}`,
          undefined,
          as(a),
        );
        assert.equal(asker.status, 403, action);
        assert.equal(asker.body.error.code, "forbidden");
        const outsider = await api.post(
          `${V1}/conversations/${direct.id}/${action}`,
          undefined,
          as(c),
        );
        assert.equal(outsider.status, 404, action);
        assert.equal(outsider.body.error.code, "not_found");
        const unknown = await api.post(
          `${V1}/conversations/00000000-0000-4000-8000-000000000000/${action}`,
          undefined,
          as(c),
        );
        assert.equal(unknown.status, 404, action);
        assert.deepEqual(outsider.body, unknown.body, "an outsider learns nothing");
        const anonymous = await api.post(`${V1}/conversations/${direct.id}/${action}`);
        assert.equal(anonymous.status, 401);
      }
      assert.equal((await view(b, direct.id)).request, "pending");
    });

    it("a group is no request: accept and decline answer 409", async () => {
      const [a, b] = (await users(2)) as [TestUser, TestUser];
      const group = await createGroup(url, a, [b]);
      for (const action of ["accept", "decline"]) {
        const res = await api.post(`${V1}/conversations/${group.id}/${action}`, undefined, as(b));
        assert.equal(res.status, 409, action);
      }
    });
  });
});
