/**
 * Two server processes' worth of nodes (in one test process) on one PostgreSQL schema,
 * each with its own dispatcher and delivery worker: messages sent through both nodes
 * reach a bot's receiver once each, in the event log's order. The dispatcher's cursor and
 * the per-subscription lease are what keep the nodes from sending an event twice.
 */
import assert from "node:assert/strict";
import { after, before, it } from "node:test";
import { addMembers, createGroup, sendMessage } from "../helpers/chat.js";
import { createUser } from "../helpers/factories.js";
import { HookReceiver } from "../helpers/hook-receiver.js";
import { client } from "../helpers/http.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { trustedCert } from "../helpers/trusted-cert.js";

const V1 = "/api/v1";
const tls = trustedCert(import.meta.url);
const integrations = { allow_private_urls: true, event_retry_base_ms: 50 };

if (tls) {
  const receiver = new HookReceiver(tls);
  let first: TestServer;
  let second: TestServer;
  before(async () => {
    await receiver.start();
    first = await startTestServer(
      { rate_limit: { enabled: false }, integrations },
      { database: "postgres" },
    );
    second = await startTestServer({
      rate_limit: { enabled: false },
      integrations,
      database: first.config.database,
      auth: { jwt_secret: first.config.auth.jwt_secret },
    });
  });
  after(async () => {
    await second?.stop();
    await first?.stop();
    await receiver.stop();
  });

  it("two nodes deliver each event once, in order", async () => {
    const admin = await createUser(first.url);
    const alice = await createUser(first.url);
    const api = client(first.url);
    const made = await api.post(
      `${V1}/bots`,
      { username: `clusterbot_${Date.now().toString(36)}` },
      { token: admin.token },
    );
    assert.equal(made.status, 201, made.text);
    const group = await createGroup(first.url, admin, [alice]);
    await addMembers(first.url, admin, group.id, [
      { id: made.body.bot.id, username: "", password: "", token: "" },
    ]);
    const sub = await api.post(
      `${V1}/bots/${made.body.bot.id}/subscriptions`,
      { url: receiver.url("/cluster"), events: ["message.new"] },
      { token: admin.token },
    );
    assert.equal(sub.status, 201, sub.text);
    const expected: string[] = [];
    for (let i = 1; i <= 30; i++) {
      const node = i % 2 === 0 ? first : second;
      expected.push(`via both ${i}`);
      await sendMessage(node.url, alice, group.id, `via both ${i}`);
    }
    const got = await receiver.waitFor("/cluster", 30);
    // A moment more: a second copy of any event would arrive now.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const bodies = receiver
      .at("/cluster")
      .map(
        (r) => (JSON.parse(r.body) as { event: { message: { body: string } } }).event.message.body,
      );
    assert.equal(got.length, 30);
    assert.deepEqual(bodies, expected);
  });
}
