/**
 * Bots' event subscriptions, on both engines, against a real HTTPS receiver on loopback
 * (trusted through NODE_EXTRA_CA_CERTS; the server's private-URL flag on): who manages
 * them, what is delivered (signed, in order, once per event id, only the bot's
 * conversations), retries after a 500, a receiver that hangs, a redirect that is not
 * followed, a deleted message's delivery going with it, and a restart with deliveries
 * queued that loses none.
 */
import assert from "node:assert/strict";
import { after, before, it } from "node:test";
import { verifySignature } from "../../src/outgoing/signature.js";
import { apiSuite } from "../helpers/api-suite.js";
import { subscribedBot as subscribeBot } from "../helpers/bot-subscription.js";
import { addMembers, createGroup, sendMessage } from "../helpers/chat.js";
import { forEachEngine } from "../helpers/engines.js";
import { createUser, type TestUser } from "../helpers/factories.js";
import { HookReceiver, type Received } from "../helpers/hook-receiver.js";
import { sleep } from "../helpers/socket.js";
import { trustedCert } from "../helpers/trusted-cert.js";

const V1 = "/api/v1";
const tls = trustedCert();

const FAST_RETRIES = {
  allow_private_urls: true,
  event_timeout_seconds: 1,
  event_retry_base_ms: 50,
  event_retry_max_ms: 200,
};

interface Delivery {
  id: string;
  type: string;
  bot_id: string;
  conversation_id: string;
  subscription_id: string;
  event: { type: string; message?: { id: string; body: string } };
  message?: { id: string; body: string };
}

function checkedDelivery(secret: string, received: Received): Delivery {
  const timestamp = Number(received.headers["x-chat-timestamp"]);
  assert.ok(Math.abs(Date.now() / 1000 - timestamp) < 60, "a current timestamp");
  const header = String(received.headers["x-chat-signature"]);
  assert.ok(verifySignature(secret, timestamp, received.body, header), "a valid signature");
  assert.ok(!verifySignature(`${secret}x`, timestamp, received.body, header));
  const delivery = JSON.parse(received.body) as Delivery;
  assert.equal(received.headers["x-chat-event-id"], delivery.id);
  return delivery;
}

if (tls) {
  forEachEngine("bot event subscriptions", (run) => {
    const { started, as, users } = apiSuite(run, { integrations: FAST_RETRIES });
    const receiver = new HookReceiver(tls);
    let admin: TestUser;
    let alice: TestUser;
    before(async () => {
      await receiver.start();
      [admin] = (await users(1)) as [TestUser];
      [alice] = (await users(1)) as [TestUser];
    });
    after(() => receiver.stop());

    /** A bot of the admin's, in a new group with alice, subscribed to `events` at `path`. */
    async function subscribedBot(path: string, events: string[] = ["message.new"]) {
      const sub = await subscribeBot(
        started().server.url,
        admin,
        alice,
        receiver.url(path),
        events,
      );
      assert.match(sub.secret, /^pcs_[A-Za-z0-9]{40}$/);
      return sub;
    }

    async function subscriptionState(botId: string, id: string) {
      const res = await started().api.get(`${V1}/bots/${botId}/subscriptions`, as(admin));
      assert.equal(res.status, 200, res.text);
      return (
        res.body.subscriptions as {
          id: string;
          queued: number;
          last_status: number | null;
          last_error: string | null;
          last_success_at: number | null;
        }[]
      ).find((s) => s.id === id);
    }

    /**
     * The state once the queue has drained and an answer was recorded: the receiver sees a
     * request before the server has read its answer, so the state is polled, not read once.
     */
    async function drainedState(botId: string, id: string) {
      for (let tries = 0; ; tries++) {
        const state = await subscriptionState(botId, id);
        if ((state?.queued === 0 && state.last_status !== null) || tries >= 100) return state;
        await sleep(100);
      }
    }

    it("are the bot owner's alone, and refuse bad input with a clear error", async () => {
      const { api } = started();
      const { botId, subscriptionId, botToken } = await subscribedBot("/owner");
      const stranger = await api.get(`${V1}/bots/${botId}/subscriptions`, as(alice));
      assert.equal(stranger.status, 404, stranger.text);
      const theirs = await api.delete(
        `${V1}/bots/${botId}/subscriptions/${subscriptionId}`,
        as(alice),
      );
      assert.equal(theirs.status, 404, theirs.text);
      for (const [body, status, code] of [
        [{ url: "http://127.0.0.1/x", events: ["message.new"] }, 422, "invalid_url"],
        [{ url: "not a url", events: ["message.new"] }, 422, "invalid_url"],
        [{ url: "https://user:pw@127.0.0.1/x", events: ["message.new"] }, 422, "invalid_url"],
        [{ url: receiver.url("/x"), events: [] }, 400, "invalid_request"],
        [{ url: receiver.url("/x"), events: ["read"] }, 400, "invalid_request"],
        [{ url: receiver.url("/x") }, 400, "invalid_request"],
        [{ url: receiver.url("/x"), events: ["message.new"], extra: 1 }, 400, "unknown_fields"],
      ] as const) {
        const res = await api.post(`${V1}/bots/${botId}/subscriptions`, body, as(admin));
        assert.equal(res.status, status, `${JSON.stringify(body)}: ${res.text}`);
        assert.equal(res.body.error.code, code, res.text);
      }
      const listed = await api.get(`${V1}/bots/${botId}/subscriptions`, as(admin));
      assert.equal(listed.body.subscriptions.length, 1);
      assert.equal(JSON.stringify(listed.body).includes("pcs_"), false, "the secret is not listed");
      const removed = await api.delete(
        `${V1}/bots/${botId}/subscriptions/${subscriptionId}`,
        as(admin),
      );
      assert.equal(removed.status, 204, removed.text);
      // The bot's own program may set up its own subscriptions with its token; a person's
      // token may not manage their bots (that takes a sign-in).
      const own = await api.post(
        `${V1}/bots/${botId}/subscriptions`,
        { url: receiver.url("/own"), events: ["mention"] },
        { token: botToken },
      );
      assert.equal(own.status, 201, own.text);
      const ownList = await api.get(`${V1}/bots/${botId}/subscriptions`, { token: botToken });
      assert.equal(ownList.body.subscriptions.length, 1);
      const personal = await api.post(
        `${V1}/tokens`,
        { name: "scripts", scopes: ["messages:read", "messages:write"] },
        as(admin),
      );
      assert.equal(personal.status, 201, personal.text);
      const byToken = await api.get(`${V1}/bots/${botId}/subscriptions`, {
        token: personal.body.token,
      });
      assert.equal(byToken.status, 403, byToken.text);
      assert.equal(byToken.body.error.code, "insufficient_scope");
    });

    it("deliver the bot's conversations' events, signed, in order, and nothing of others", async () => {
      const { server } = started();
      const sub = await subscribedBot("/events", ["message.new", "mention"]);
      const elsewhere = await createGroup(server.url, admin, [alice]);
      await sendMessage(server.url, alice, elsewhere.id, "not for the bot");
      const bot = { username: sub.botUsername };
      for (let i = 1; i <= 5; i++) await sendMessage(server.url, alice, sub.groupId, `hello ${i}`);
      await sendMessage(server.url, alice, sub.groupId, `@${bot.username} ping`);
      const got = await receiver.waitFor("/events", 7);
      const deliveries = got.map((r) => checkedDelivery(sub.secret, r));
      const news = deliveries.filter((d) => d.type === "message.new");
      assert.deepEqual(
        news.map((d) => d.event.message?.body),
        ["hello 1", "hello 2", "hello 3", "hello 4", "hello 5", `@${bot.username} ping`],
      );
      const mention = deliveries.find((d) => d.type === "mention");
      assert.equal(mention?.message?.body, `@${bot.username} ping`);
      for (const d of deliveries) {
        assert.equal(d.conversation_id, sub.groupId);
        assert.equal(d.bot_id, sub.botId);
        assert.equal(d.subscription_id, sub.subscriptionId);
      }
      assert.equal(new Set(deliveries.map((d) => d.id)).size, deliveries.length);
      await sleep(300);
      assert.equal(receiver.at("/events").length, 7, "nothing more, nothing of other groups");
      const state = await drainedState(sub.botId, sub.subscriptionId);
      assert.equal(state?.queued, 0);
      assert.equal(state?.last_status, 200);
    });

    it("never deliver what was said before the bot joined, however late the log is read", async () => {
      const { server } = started();
      const sub = await subscribedBot("/late");
      const later = await createGroup(server.url, admin, [alice]);
      // The worker stopped: the log is read only after the bot has joined.
      await server.ctx.outgoing.worker.stop();
      try {
        await sendMessage(server.url, alice, later.id, "before the bot");
        await addMembers(server.url, admin, later.id, [
          { id: sub.botId, username: "", password: "", token: "" },
        ]);
        await sendMessage(server.url, alice, later.id, "after the bot");
      } finally {
        server.ctx.outgoing.worker.start();
      }
      const [first] = await receiver.waitFor("/late", 1);
      await sleep(300);
      assert.deepEqual(
        receiver.at("/late").map((r) => checkedDelivery(sub.secret, r).event.message?.body),
        ["after the bot"],
      );
      assert.ok(first);
    });

    it("retry a receiver that fails, keeping the order, and log each failure for the owner", async () => {
      const { server } = started();
      const sub = await subscribedBot("/flaky");
      receiver.answer = (path, count) =>
        path === "/flaky" && count <= 2 ? { status: 500, body: "down" } : { status: 200 };
      try {
        await sendMessage(server.url, alice, sub.groupId, "first");
        await receiver.waitFor("/flaky", 1);
        await sendMessage(server.url, alice, sub.groupId, "second");
        const got = await receiver.waitFor("/flaky", 4);
        const bodies = got.map((r) => checkedDelivery(sub.secret, r).event.message?.body);
        assert.deepEqual(bodies, ["first", "first", "first", "second"]);
        const ids = got.map((r) => r.headers["x-chat-event-id"]);
        assert.equal(ids[0], ids[1], "a retry keeps the event id");
        const state = await drainedState(sub.botId, sub.subscriptionId);
        assert.equal(state?.queued, 0);
        assert.ok(state?.last_success_at);
      } finally {
        receiver.answer = () => ({ status: 200 });
      }
    });

    it("time out a receiver that hangs, and do not follow a redirect", async () => {
      const { server } = started();
      const sub = await subscribedBot("/hang");
      receiver.answer = (path, count) => {
        if (path === "/hang" && count === 1) return "hang";
        if (path === "/hang" && count === 2)
          return { status: 302, headers: { location: receiver.url("/elsewhere") } };
        return { status: 200 };
      };
      try {
        await sendMessage(server.url, alice, sub.groupId, "patience");
        const got = await receiver.waitFor("/hang", 3);
        assert.equal(receiver.at("/elsewhere").length, 0, "the redirect was not followed");
        assert.equal(got[2]?.headers["x-chat-event-id"], got[0]?.headers["x-chat-event-id"]);
      } finally {
        receiver.answer = () => ({ status: 200 });
      }
    });

    it("drop a deleted message's queued delivery with it", async () => {
      const { server, api } = started();
      const sub = await subscribedBot("/deleted");
      receiver.answer = (path) => (path === "/deleted" ? { status: 503 } : { status: 200 });
      try {
        const message = await sendMessage(server.url, alice, sub.groupId, "regret this");
        await receiver.waitFor("/deleted", 1);
        assert.equal((await subscriptionState(sub.botId, sub.subscriptionId))?.queued, 1);
        const res = await api.delete(`${V1}/messages/${message.id}`, as(alice));
        assert.equal(res.status, 200, res.text);
        const state = await drainedState(sub.botId, sub.subscriptionId);
        assert.equal(state?.queued, 0);
        assert.equal(state?.last_status, 503);
      } finally {
        receiver.answer = () => ({ status: 200 });
      }
    });
  });

  forEachEngine("bot event subscriptions across a restart", (run) => {
    const receiver = new HookReceiver(tls);
    before(() => receiver.start());
    after(() => receiver.stop());

    it("loses no queued delivery, and sends each in order", async () => {
      const first = await run.start({ rate_limit: { enabled: false }, integrations: FAST_RETRIES });
      let second: Awaited<ReturnType<typeof run.start>> | undefined;
      try {
        const admin = await createUser(first.url);
        const alice = await createUser(first.url);
        const group = await subscribeBot(first.url, admin, alice, receiver.url("/restart"));
        receiver.answer = () => ({ status: 500 });
        for (let i = 1; i <= 5; i++)
          await sendMessage(first.url, alice, group.groupId, `queued ${i}`);
        await receiver.waitFor("/restart", 1);
        await first.close();
        receiver.answer = () => ({ status: 200 });
        second = await run.start(
          { rate_limit: { enabled: false }, integrations: FAST_RETRIES },
          { restartOf: first },
        );
        const deadline = Date.now() + 20_000;
        const delivered = () =>
          receiver
            .at("/restart")
            .filter(
              (_, i, all) =>
                i ===
                all.findIndex(
                  (r) => r.headers["x-chat-event-id"] === all[i]?.headers["x-chat-event-id"],
                ),
            );
        while (delivered().length < 5 && Date.now() < deadline) await sleep(50);
        const bodies = receiver
          .at("/restart")
          .map((r) => (JSON.parse(r.body) as Delivery).event.message?.body);
        // Each message arrived (the first possibly more than once: at least once), in order.
        const firstSeen = [...new Set(bodies)];
        assert.deepEqual(firstSeen, ["queued 1", "queued 2", "queued 3", "queued 4", "queued 5"]);
      } finally {
        if (second) await second.stop();
        else await first.stop();
      }
    });
  });
}
