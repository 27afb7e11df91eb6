/**
 * Two server processes' worth of nodes (in one test process) on one PostgreSQL schema,
 * each with its own dispatcher and delivery worker: messages sent through both nodes
 * reach a bot's receiver once each, in the event log's order. The dispatcher's cursor and
 * the per-subscription lease are what keep the nodes from sending an event twice.
 */
import assert from "node:assert/strict";
import { after, before, it } from "node:test";
import { subscribedBot } from "../helpers/bot-subscription.js";
import { sendMessage } from "../helpers/chat.js";
import { createUser } from "../helpers/factories.js";
import { HookReceiver } from "../helpers/hook-receiver.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { trustedCert } from "../helpers/trusted-cert.js";

const tls = trustedCert();
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
    const sub = await subscribedBot(first.url, admin, alice, receiver.url("/cluster"));
    const expected: string[] = [];
    for (let i = 1; i <= 30; i++) {
      const node = i % 2 === 0 ? first : second;
      expected.push(`via both ${i}`);
      await sendMessage(node.url, alice, sub.groupId, `via both ${i}`);
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
