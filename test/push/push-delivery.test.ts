/**
 * Web Push end to end, on both engines: a real server sends to a push service double on
 * loopback over HTTPS (trusted through NODE_EXTRA_CA_CERTS), which decrypts every push
 * with the subscription's own key and verifies its VAPID token.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ChatSocket, type WebSocketFactory } from "@private-chat/sdk";
import WebSocket from "ws";
import { forEachEngine } from "../helpers/engines.js";
import type { Response } from "../helpers/http.js";
import { connect } from "../helpers/socket.js";
import { trustedCert } from "../helpers/trusted-cert.js";
import { eventually, pushSuite, SUBJECT, V1 } from "./push-fixture.js";

const tls = trustedCert();

if (tls) {
  forEachEngine("Web Push delivery", { redis: true }, (run) => {
    const suite = pushSuite(run, tls);
    const { double, started, as, users, subscribe, subscriptionIds, group, send } = suite;

    it("gives the VAPID key and manages the caller's subscriptions", async () => {
      const { api } = started();
      const [alice, bob] = await users(2);
      assert.ok(alice && bob);
      const key = await api.get(`${V1}/push/key`, as(alice));
      assert.equal(key.status, 200, key.text);
      assert.equal(key.body.public_key, suite.keys.publicKey);
      assert.equal(Buffer.from(key.body.public_key, "base64url").length, 65);

      const first = await subscribe(alice);
      const second = await subscribe(alice);
      assert.deepEqual(
        (await subscriptionIds(alice)).sort(),
        [first.serverId, second.serverId].sort(),
      );
      assert.deepEqual(await subscriptionIds(bob), []);
      // Someone else's subscription is not found.
      assert.equal(
        (await api.delete(`${V1}/push/subscriptions/${first.serverId}`, as(bob))).status,
        404,
      );
      assert.equal(
        (await api.delete(`${V1}/push/subscriptions/${first.serverId}`, as(alice))).status,
        204,
      );
      assert.equal(
        (await api.delete(`${V1}/push/subscriptions/${first.serverId}`, as(alice))).status,
        404,
      );
      assert.deepEqual(await subscriptionIds(alice), [second.serverId]);

      const bad = await api.post(
        `${V1}/push/subscriptions`,
        { endpoint: first.endpoint },
        as(alice),
      );
      assert.equal(bad.status, 400, bad.text);
      const plain = await api.post(
        `${V1}/push/subscriptions`,
        { ...first.json, endpoint: first.endpoint.replace("https:", "http:") },
        as(alice),
      );
      assert.equal(plain.status, 422, plain.text);
      assert.equal(plain.body.error.code, "invalid_push_endpoint");
      const long = await api.post(
        `${V1}/push/subscriptions`,
        { ...first.json, endpoint: `${first.endpoint}?${"x".repeat(2100)}` },
        as(alice),
      );
      assert.equal(long.status, 400, long.text);
    });

    it("keeps at most 10 subscriptions per user, dropping the oldest", async () => {
      const [carol] = await users(1);
      assert.ok(carol);
      const made: string[] = [];
      for (let i = 0; i < 12; i++) made.push((await subscribe(carol)).serverId);
      assert.deepEqual((await subscriptionIds(carol)).sort(), made.slice(2).sort());
    });

    it("pushes a new message to members away from every socket, encrypted and signed", async () => {
      const [alice, bob, carol] = await users(3);
      assert.ok(alice && bob && carol);
      const bobs = await subscribe(bob);
      const alices = await subscribe(alice);
      const id = await group(alice, [bob, carol], "Lunch club");
      const text = `${"é".repeat(150)}${"x".repeat(150)}`;
      const sent = await send(alice, id, text);
      const push = await double.next((p) => p.subscriber === bobs.id);
      assert.deepEqual(push.payload, {
        type: "message",
        conversation_id: id,
        title: "Lunch club",
        sender_name: alice.username,
        message_id: sent.id,
        seq: sent.seq,
        text: [...text].slice(0, 200).join(""),
      });
      assert.equal(push.jwt.aud, double.origin);
      assert.equal(push.jwt.sub, SUBJECT);
      const now = Math.floor(Date.now() / 1000);
      assert.ok(push.jwt.exp > now && push.jwt.exp <= now + 24 * 3600, `exp ${push.jwt.exp}`);
      assert.equal(push.vapidKey, suite.keys.publicKey);
      assert.equal(push.headers.ttl, "86400");
      assert.equal(push.headers.urgency, "high");
      assert.match(String(push.headers.topic), /^[A-Za-z0-9_-]{1,32}$/);

      // The same topic for the same conversation, another for another.
      const other = await group(alice, [bob], "Other");
      const again = await send(alice, id, "second");
      const elsewhere = await send(alice, other, "third");
      const p2 = await double.next(
        (p) => (p.payload as { message_id: string }).message_id === again.id,
      );
      const p3 = await double.next(
        (p) => (p.payload as { message_id: string }).message_id === elsewhere.id,
      );
      assert.equal(p2.headers.topic, push.headers.topic);
      assert.notEqual(p3.headers.topic, push.headers.topic);
      // Never to the sender.
      assert.deepEqual(double.pushesTo(alices), []);
      assert.deepEqual(double.problems, []);
    });

    it("carries a formatted message's words without its markup, cut after the markup is gone", async () => {
      const [alice, bob] = await users(2);
      assert.ok(alice && bob);
      const bobs = await subscribe(bob);
      const id = await group(alice, [bob], "Menu");
      const sent = await send(
        alice,
        id,
        "**Lunch** at _noon_, see [the menu](https://example.com/menu)\n\n- soup\n- `bread`",
      );
      const push = await double.next(
        (p) => (p.payload as { message_id: string }).message_id === sent.id,
      );
      assert.equal(
        (push.payload as { text: string }).text,
        "Lunch at noon, see the menu\nsoup\nbread",
      );
      const long = await send(alice, id, `**${"a".repeat(150)}** ${"x".repeat(150)}`);
      const cut = await double.next(
        (p) => (p.payload as { message_id: string }).message_id === long.id,
      );
      assert.equal((cut.payload as { text: string }).text, `${"a".repeat(150)} ${"x".repeat(49)}`);
      assert.equal(double.pushesTo(bobs).length >= 2, true);
    });

    it("keeps quiet while a socket is active, and pushes once it says focus:false", async () => {
      const [alice, bob] = await users(2);
      assert.ok(alice && bob);
      const bobs = await subscribe(bob);
      const id = await group(alice, [bob]);
      const socket = await connect(started().server.url, bob.token);
      try {
        const quiet = await send(alice, id, "while looking");
        socket.send({ type: "focus", active: false });
        socket.send({ type: "ping", id: "after-focus" });
        await socket.next((f) => f.type === "pong");
        const loud = await send(alice, id, "while away");
        await double.next((p) => (p.payload as { message_id: string }).message_id === loud.id);
        const ids = double
          .pushesTo(bobs)
          .map((p) => (p.payload as { message_id: string }).message_id);
        assert.ok(!ids.includes(quiet.id), "no push while the socket was active");
        socket.send({ type: "focus", active: true });
      } finally {
        await socket.close();
      }
    });

    it("the SDK socket's focus(false) lets pushes through, and holds across a reconnect", async () => {
      const [alice, bob] = await users(2);
      assert.ok(alice && bob);
      const bobs = await subscribe(bob);
      const id = await group(alice, [bob]);
      const focusFrames = async () => {
        const metrics = await started().api.get("/metrics");
        const match = /chat_websocket_frames_total\{type="focus",outcome="ok"\} (\d+)/.exec(
          metrics.text,
        );
        return Number(match?.[1] ?? 0);
      };
      const before = await focusFrames();
      const socket = new ChatSocket({
        baseUrl: started().server.url,
        token: () => bob.token,
        WebSocket: WebSocket as unknown as WebSocketFactory,
        backoff: { baseMs: 20, maxMs: 200 },
      });
      try {
        socket.connect();
        await eventually(() => socket.state === "open");
        socket.focus(false);
        // The connection drops; the SDK connects again by itself.
        socket.disconnectNow("test");
        // Said once on the first socket, and again by the SDK on the new one.
        await eventually(async () => (await focusFrames()) >= before + 2);
        await eventually(() => socket.state === "open");
        const sent = await send(alice, id, "while hidden");
        await double.next(
          (p) =>
            p.subscriber === bobs.id &&
            (p.payload as { message_id: string }).message_id === sent.id,
        );
      } finally {
        socket.close();
      }
    });

    it("wakes nobody for a sender they blocked, nor for a request they declined", async () => {
      const { api } = started();
      const [alice, bob, carol, dave] = await users(4);
      assert.ok(alice && bob && carol && dave);
      const bobs = await subscribe(bob);
      const id = await group(carol, [alice, bob]);
      const blocked = await api.post(`${V1}/blocks`, { user_id: alice.id }, as(bob));
      assert.equal(blocked.status, 201, blocked.text);
      const fromBlocked = await send(alice, id, "from someone bob blocked");
      // Dave shares nothing with Bob: his direct chat is a request, which Bob declines.
      const asked = await api.post(
        `${V1}/conversations`,
        { type: "direct", member_ids: [bob.id] },
        as(dave),
      );
      assert.equal(asked.status, 201, asked.text);
      const declined = await api.post(
        `${V1}/conversations/${asked.body.id}/decline`,
        undefined,
        as(bob),
      );
      assert.equal(declined.status, 200, declined.text);
      const fromDeclined = await send(dave, asked.body.id, "buy my things");
      // Queued after the two above: once it arrives, theirs would have too.
      const marker = await send(carol, id, "from a friend");
      await double.next((p) => (p.payload as { message_id: string }).message_id === marker.id);
      const ids = double
        .pushesTo(bobs)
        .map((p) => (p.payload as { message_id: string }).message_id);
      assert.ok(!ids.includes(fromBlocked.id), "no push from a blocked sender");
      assert.ok(!ids.includes(fromDeclined.id), "no push for a declined request");
    });

    it("drops a subscription the push service says is gone (410)", async () => {
      const [alice, bob] = await users(2);
      assert.ok(alice && bob);
      const bobs = await subscribe(bob);
      double.answer(bobs, { status: 410 });
      const id = await group(alice, [bob]);
      await send(alice, id, "to a gone browser");
      await eventually(async () => !(await subscriptionIds(bob)).includes(bobs.serverId));
      assert.equal(double.arrivals.get(bobs.id), 1);
    });

    it("retries after 503 with Retry-After, and after an endpoint that hangs", async () => {
      const [alice, bob] = await users(2);
      assert.ok(alice && bob);
      const busy = await subscribe(bob);
      const hung = await subscribe(bob);
      double.answer(busy, { status: 503, headers: { "retry-after": "1" } });
      double.answer(hung, "hang");
      const id = await group(alice, [bob]);
      const sent = await send(alice, id, "eventually");
      const match = (s: { id: string }) => (p: { subscriber: string; payload: unknown }) =>
        p.subscriber === s.id && (p.payload as { message_id: string }).message_id === sent.id;
      const a = await double.next(match(busy));
      const b = await double.next(match(hung));
      assert.equal(double.arrivals.get(busy.id), 2);
      assert.equal(double.arrivals.get(hung.id), 2);
      assert.equal(a.headers.topic, b.headers.topic);
    });

    it("does not follow a redirect from a push endpoint", async () => {
      const [alice, bob] = await users(2);
      assert.ok(alice && bob);
      const moved = await subscribe(bob);
      const target = double.subscriber();
      double.answer(moved, { status: 307, headers: { location: target.endpoint } });
      const id = await group(alice, [bob]);
      await send(alice, id, "moved");
      await eventually(async () => {
        const metrics = await started().api.get("/metrics");
        return /chat_push_failed_total\{reason="redirect"\} [1-9]/.test(metrics.text);
      });
      assert.equal(double.arrivals.get(target.id), undefined);
    });

    it("closes the notifications on a user's other devices once they read", async () => {
      const [alice, bob] = await users(2);
      assert.ok(alice && bob);
      const bobs = await subscribe(bob);
      const id = await group(alice, [bob]);
      const sent = await send(alice, id, "read me");
      await double.next((p) => (p.payload as { message_id?: string }).message_id === sent.id);
      const read = await started().api.post(
        `${V1}/conversations/${id}/read`,
        { seq: sent.seq },
        as(bob),
      );
      assert.equal(read.status, 200, read.text);
      const cleared = await double.next(
        (p) => p.subscriber === bobs.id && (p.payload as { type: string }).type === "read",
      );
      assert.deepEqual(cleared.payload, { type: "read", conversation_id: id, seq: sent.seq });
      assert.equal(cleared.headers.urgency, "normal");
    });
  });

  forEachEngine("Web Push without content", { redis: true }, (run) => {
    const { double, users, subscribe, group, send } = pushSuite(run, tls, {
      include_content: false,
    });

    it("carries neither text nor names", async () => {
      const [alice, bob] = await users(2);
      assert.ok(alice && bob);
      const bobs = await subscribe(bob);
      const id = await group(alice, [bob], "Secret project");
      const sent = await send(alice, id, "the launch is on friday");
      const push = await double.next((p) => p.subscriber === bobs.id);
      assert.deepEqual(push.payload, {
        type: "message",
        conversation_id: id,
        title: "New message",
        message_id: sent.id,
        seq: sent.seq,
      });
    });
  });

  describe("Web Push endpoint checks", () => {
    forEachEngine("with private endpoints refused", (run) => {
      const { started, as, users } = pushSuite(run, tls, { allow_private_endpoints: false });

      it("refuses endpoints on loopback, private and link-local addresses and names", async () => {
        const [alice] = await users(1);
        assert.ok(alice);
        const keys = { p256dh: "BAAA", auth: "AAAA" };
        for (const endpoint of [
          "https://127.0.0.1/push/1",
          "https://10.0.0.1/push/1",
          "https://[::1]/push/1",
          "https://169.254.169.254/latest/meta-data/",
          "https://localhost/push/1",
          "https://[::ffff:127.0.0.1]/push/1",
          "https://192.168.1.10/push/1",
        ]) {
          const res: Response = await started().api.post(
            `${V1}/push/subscriptions`,
            { endpoint, keys },
            as(alice),
          );
          assert.equal(res.status, 422, `${endpoint}: ${res.text}`);
          assert.equal(res.body.error.code, "invalid_push_endpoint");
        }
      });
    });
  });
}
