/**
 * The SDK's notification preference calls against a real server, on both engines, and
 * its socket decoding the preference events live and after a reconnect (resume).
 */
import assert from "node:assert/strict";
import { it } from "node:test";
import {
  ApiClient,
  ChatSocket,
  MUTED_FOREVER,
  type StoredEvent,
  type WebSocketFactory,
} from "@private-chat/sdk";
import WebSocket from "ws";
import { apiSuite } from "../helpers/api-suite.js";
import { createGroup } from "../helpers/chat.js";
import { forEachEngine } from "../helpers/engines.js";
import type { TestUser } from "../helpers/factories.js";
import { sleep } from "../helpers/socket.js";

async function eventually(check: () => boolean): Promise<void> {
  while (!check()) await sleep(20);
}

forEachEngine("SDK notification preferences", (run) => {
  const { started, users } = apiSuite(run);

  it("gets and sets both preferences; a second device's socket hears them, live and on resume", async () => {
    const { server, api } = started();
    const [alice, bob] = (await users(2)) as [TestUser, TestUser];
    const group = await createGroup(server.url, alice, [bob]);
    const sdk = new ApiClient({ baseUrl: server.url, token: alice.token });

    assert.deepEqual(await sdk.conversationNotifications(group.id), {
      conversation_id: group.id,
      level: "all",
      is_default: true,
      muted_until: null,
    });
    assert.deepEqual(await sdk.myNotifications(), { dnd: null });
    await assert.rejects(sdk.conversationNotifications("nowhere"), { code: "not_found" });
    await assert.rejects(
      sdk.setMyNotifications({ dnd: { start: "22:00", end: "07:00", time_zone: "Nowhere/Land" } }),
      { status: 400, code: "invalid_request" },
    );

    // A second device of Alice's.
    const login = await api.post("/api/v1/auth/login", {
      username: alice.username,
      password: alice.password,
    });
    const events: StoredEvent[] = [];
    const socket = new ChatSocket({
      baseUrl: server.url,
      token: () => login.body.token,
      WebSocket: WebSocket as unknown as WebSocketFactory,
      backoff: { baseMs: 20, maxMs: 200 },
    });
    socket.on("event", (event) => events.push(event));
    try {
      socket.connect();
      await eventually(() => socket.state === "open");
      const muted = await sdk.setConversationNotifications(group.id, {
        muted_until: MUTED_FOREVER,
      });
      assert.equal(muted.muted_until, MUTED_FOREVER);
      await eventually(() => events.some((e) => e.type === "notifications.updated"));
      const heard = events.find((e) => e.type === "notifications.updated");
      assert.equal(heard?.conversation_id, group.id);
      assert.ok(heard?.type === "notifications.updated" && heard.muted_until === MUTED_FOREVER);

      // Changes made while the device is away arrive when it resumes.
      socket.disconnectNow("test", { waitForOnline: true });
      const level = await sdk.setConversationNotifications(group.id, { level: "none" });
      assert.equal(level.level, "none");
      const dnd = { start: "23:00", end: "06:00", time_zone: "Asia/Tokyo" };
      assert.deepEqual(await sdk.setMyNotifications({ dnd }), { dnd });
      assert.deepEqual(await sdk.myNotifications(), { dnd });
      socket.reconnectNow();
      await eventually(() => events.some((e) => e.type === "dnd.updated"));
      const resumed = events.filter((e) => e.type === "notifications.updated");
      assert.equal(resumed.length, 2);
      assert.ok(resumed[1]?.type === "notifications.updated" && resumed[1].level === "none");
      const dndEvent = events.find((e) => e.type === "dnd.updated");
      assert.ok(dndEvent?.type === "dnd.updated");
      assert.deepEqual(dndEvent.dnd, dnd);
      assert.equal(dndEvent.conversation_id, null);

      // The list carries the preference, so a client needs no request per conversation.
      const listed = (await sdk.conversations()).find((c) => c.id === group.id);
      assert.deepEqual(listed?.notifications, {
        level: "none",
        is_default: false,
        muted_until: MUTED_FOREVER,
      });
    } finally {
      socket.close();
    }
  });
});
