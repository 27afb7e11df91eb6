import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { before, describe, it } from "node:test";
import type { ConversationView, PinnedMessageView } from "@private-chat/protocol/chat";
import { MAX_PINS } from "@private-chat/protocol/chat";
import { addMembers, createDirect, createGroup, sendMany, sendMessage } from "../helpers/chat.js";
import { forEachEngine } from "../helpers/engines.js";
import type { TestUser } from "../helpers/factories.js";
import type { client } from "../helpers/http.js";
import type { TestServer } from "../helpers/server.js";
import { connect, type Frame } from "../helpers/socket.js";
import { messagesApi, V1 } from "./messages-fixture.js";

forEachEngine("pinned messages API", (run) => {
  let server: TestServer;
  let api: ReturnType<typeof client>;
  const { started, as, users } = messagesApi(run);
  before(() => {
    ({ server, api } = started());
  });

  const pin = (user: TestUser, messageId: string) =>
    api.post<PinnedMessageView & { error: { code: string } }>(
      `${V1}/messages/${messageId}/pin`,
      undefined,
      as(user),
    );
  const unpin = (user: TestUser, messageId: string) =>
    api.delete(`${V1}/messages/${messageId}/pin`, as(user));
  const pins = async (user: TestUser, conversationId: string) => {
    const res = await api.get<{ messages: PinnedMessageView[] }>(
      `${V1}/conversations/${conversationId}/pins`,
      as(user),
    );
    assert.equal(res.status, 200, res.text);
    return res.body.messages;
  };
  const ids = (list: { id: string }[]) => list.map((m) => m.id);

  describe("pin, unpin, list", () => {
    it("both people of a direct chat pin; the newest pin comes first, with who and when", async () => {
      const [a, b] = (await users(2)) as [TestUser, TestUser];
      const direct = await createDirect(server.url, a, b);
      const [first, second] = await sendMany(server.url, a, direct.id, 2, "pin me");
      const byA = await pin(a, first!.id);
      assert.equal(byA.status, 200, byA.text);
      assert.equal(byA.body.id, first!.id);
      assert.equal(byA.body.body, "pin me 1");
      assert.equal(byA.body.pinned_by, a.id);
      assert.equal(typeof byA.body.pinned_at, "number");
      await new Promise((r) => setTimeout(r, 5));
      const byB = await pin(b, second!.id);
      assert.equal(byB.status, 200, byB.text);
      assert.equal(byB.body.pinned_by, b.id);

      const listed = await pins(a, direct.id);
      assert.deepEqual(ids(listed), [second!.id, first!.id]);
      assert.equal(listed[1]?.pinned_by, a.id);
      assert.equal(listed[1]?.pinned_at, byA.body.pinned_at);
      assert.deepEqual(ids(await pins(b, direct.id)), [second!.id, first!.id]);

      // Idempotent: the same pin, unchanged.
      const again = await pin(b, first!.id);
      assert.equal(again.status, 200);
      assert.equal(again.body.pinned_by, a.id);
      assert.equal(again.body.pinned_at, byA.body.pinned_at);

      const off = await unpin(b, first!.id);
      assert.equal(off.status, 204, off.text);
      assert.deepEqual(ids(await pins(a, direct.id)), [second!.id]);
      // Unpinning what is not pinned changes nothing and answers the same.
      assert.equal((await unpin(a, first!.id)).status, 204);
      assert.deepEqual(ids(await pins(a, direct.id)), [second!.id]);
    });

    it("pins and unpins reach every member's socket and sync, in order", async () => {
      const [a, b] = (await users(2)) as [TestUser, TestUser];
      const direct = await createDirect(server.url, a, b);
      const message = await sendMessage(server.url, a, direct.id, "live");
      const socket = await connect(server.url, b.token);
      try {
        const pinned = await pin(a, message.id);
        const frame: Frame = await socket.next((f) => f.type === "message.pinned");
        assert.equal(frame.conversation_id, direct.id);
        assert.equal(frame.message_id, message.id);
        assert.equal(frame.seq, message.seq);
        assert.equal(frame.pinned_by, a.id);
        assert.equal(frame.pinned_at, pinned.body.pinned_at);
        assert.equal(typeof frame.cursor, "number");
        await unpin(a, message.id);
        const gone: Frame = await socket.next((f) => f.type === "message.unpinned");
        assert.equal(gone.message_id, message.id);
        assert.equal(gone.unpinned_by, a.id);
        assert.ok(gone.cursor > frame.cursor);
      } finally {
        await socket.close();
      }
      const synced = await api.get<{ events: Frame[] }>(`${V1}/sync?since=0`, as(b));
      const types = synced.body.events
        .filter((e) => e.conversation_id === direct.id)
        .map((e) => e.type);
      assert.deepEqual(types.slice(-2), ["message.pinned", "message.unpinned"]);
    });

    it("deleting a pinned message unpins it, with an event", async () => {
      const [a, b] = (await users(2)) as [TestUser, TestUser];
      const direct = await createDirect(server.url, a, b);
      const message = await sendMessage(server.url, a, direct.id, "soon gone");
      assert.equal((await pin(b, message.id)).status, 200);
      const socket = await connect(server.url, b.token);
      try {
        assert.equal((await api.delete(`${V1}/messages/${message.id}`, as(a))).status, 200);
        const gone: Frame = await socket.next((f) => f.type === "message.unpinned");
        assert.equal(gone.message_id, message.id);
      } finally {
        await socket.close();
      }
      assert.deepEqual(await pins(b, direct.id), []);
      const res = await pin(a, message.id);
      assert.equal(res.status, 409);
      assert.equal(res.body.error.code, "conflict");
    });
  });

  describe("who may pin", () => {
    it("in a group the owner and admins pin; members only once the group lets them", async () => {
      const [owner, admin, member] = (await users(3)) as [TestUser, TestUser, TestUser];
      const group = await createGroup(server.url, owner, [admin, member], "pinning");
      assert.equal(group.members_can_pin, false);
      await api.patch(
        `${V1}/conversations/${group.id}/members/${admin.id}`,
        { role: "admin" },
        as(owner),
      );
      const [m1, m2, m3] = await sendMany(server.url, member, group.id, 3);

      const refused = await pin(member, m1!.id);
      assert.equal(refused.status, 403);
      assert.equal(refused.body.error.code, "pin_not_allowed");
      assert.equal((await unpin(member, m1!.id)).status, 403);
      assert.equal((await pin(owner, m1!.id)).status, 200);
      assert.equal((await pin(admin, m2!.id)).status, 200);
      const notYet = await unpin(member, m1!.id);
      assert.equal(notYet.status, 403);
      assert.equal(notYet.body.error.code, "pin_not_allowed");

      // Only admins change the setting.
      const byMember = await api.patch(
        `${V1}/conversations/${group.id}`,
        { members_can_pin: true },
        as(member),
      );
      assert.equal(byMember.status, 403);
      const socket = await connect(server.url, member.token);
      try {
        const set = await api.patch<ConversationView>(
          `${V1}/conversations/${group.id}`,
          { members_can_pin: true },
          as(admin),
        );
        assert.equal(set.status, 200, set.text);
        assert.equal(set.body.members_can_pin, true);
        assert.equal(set.body.title, "pinning");
        const event: Frame = await socket.next((f) => f.type === "conversation.updated");
        assert.equal(event.members_can_pin, true);
        assert.equal(event.title, "pinning");
        assert.equal(event.updated_by, admin.id);
      } finally {
        await socket.close();
      }
      const seen = await api.get<ConversationView>(`${V1}/conversations/${group.id}`, as(member));
      assert.equal(seen.body.members_can_pin, true);

      assert.equal((await pin(member, m3!.id)).status, 200);
      assert.equal((await unpin(member, m1!.id)).status, 204);
      assert.deepEqual(ids(await pins(owner, group.id)), [m3!.id, m2!.id]);

      // A direct conversation has no such setting.
      const [x, y] = (await users(2)) as [TestUser, TestUser];
      const direct = await createDirect(server.url, x, y);
      assert.equal(direct.members_can_pin, undefined);
      const noSetting = await api.patch(
        `${V1}/conversations/${direct.id}`,
        { members_can_pin: true },
        as(x),
      );
      assert.equal(noSetting.status, 403);
    });

    it("a non-member learns nothing: 404 like a missing message or conversation", async () => {
      const [owner, member, outsider] = (await users(3)) as [TestUser, TestUser, TestUser];
      const group = await createGroup(server.url, owner, [member], "private pins");
      const message = await sendMessage(server.url, member, group.id, "secret");
      assert.equal((await pin(owner, message.id)).status, 200);
      for (const res of [
        await pin(outsider, message.id),
        await unpin(outsider, message.id),
        await api.get(`${V1}/conversations/${group.id}/pins`, as(outsider)),
        await pin(outsider, randomUUID()),
        await api.get(`${V1}/conversations/${randomUUID()}/pins`, as(outsider)),
      ]) {
        assert.equal(res.status, 404, res.text);
        assert.equal(res.body.error.code, "not_found");
      }
    });

    it("a member who rejoined sees only pins of messages from their periods", async () => {
      const [owner, member] = (await users(2)) as [TestUser, TestUser];
      const group = await createGroup(server.url, owner, [member], "periods");
      const during = await sendMessage(server.url, owner, group.id, "while in");
      assert.equal(
        (await api.delete(`${V1}/conversations/${group.id}/members/${member.id}`, as(member)))
          .status,
        204,
      );
      const away = await sendMessage(server.url, owner, group.id, "while away");
      await addMembers(server.url, owner, group.id, [member]);
      const after = await sendMessage(server.url, owner, group.id, "back again");
      for (const m of [during, away, after]) assert.equal((await pin(owner, m.id)).status, 200);
      assert.deepEqual(ids(await pins(owner, group.id)).sort(), ids([during, away, after]).sort());
      assert.deepEqual(ids(await pins(member, group.id)).sort(), ids([during, after]).sort());
      // The message from the time away is out of sight: not found, as for GET.
      assert.equal((await unpin(owner, away.id)).status, 204);
      const hidden = await pin(member, away.id);
      assert.equal(hidden.status, 404);
    });
  });

  it(`a conversation holds at most ${MAX_PINS} pins`, async () => {
    const [a, b] = (await users(2)) as [TestUser, TestUser];
    const direct = await createDirect(server.url, a, b);
    const sent = await sendMany(server.url, a, direct.id, MAX_PINS + 1, "capped");
    for (const m of sent.slice(0, MAX_PINS)) assert.equal((await pin(a, m.id)).status, 200);
    const over = await pin(b, sent[MAX_PINS]!.id);
    assert.equal(over.status, 409);
    assert.equal(over.body.error.code, "too_many_pins");
    // Pinning one already pinned is still fine at the cap.
    assert.equal((await pin(b, sent[0]!.id)).status, 200);
    assert.equal((await pins(a, direct.id)).length, MAX_PINS);
    assert.equal((await unpin(a, sent[0]!.id)).status, 204);
    assert.equal((await pin(b, sent[MAX_PINS]!.id)).status, 200);
  });
});
