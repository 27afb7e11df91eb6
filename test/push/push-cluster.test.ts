/**
 * Web Push in a cluster of two chat-server processes on PostgreSQL and Redis: each push
 * is sent once though both nodes work the queue, and a node killed while it holds
 * pushes costs at most one repeat of each, with the same topic.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import pg from "pg";
import { generateVapidKeys } from "../../src/push/vapid-keys.js";
import { type Cluster, startCluster } from "../helpers/cluster.js";
import { TEST_DATABASE_URL } from "../helpers/env.js";
import { createUser, type TestUser } from "../helpers/factories.js";
import { client } from "../helpers/http.js";
import { type Attempt, PushServiceDouble, type Subscriber } from "../helpers/push-double.js";
import { trustedCert } from "../helpers/trusted-cert.js";
import { eventually } from "./push-fixture.js";

const tls = trustedCert();
const V1 = "/api/v1";

const messageIdOf = (attempt: { payload: unknown }) =>
  (attempt.payload as { message_id?: string }).message_id ?? "";

if (tls) {
  describe("Web Push in a cluster [postgres + redis]", () => {
    const double = new PushServiceDouble(tls);
    const keys = generateVapidKeys();
    let cluster: Cluster;
    let db: pg.Client;

    before(async () => {
      await double.start();
      cluster = await startCluster(2, {
        extraConfig: `
[push]
vapid_public_key = "${keys.publicKey}"
vapid_private_key = "${keys.privateKey}"
subject = "mailto:ops@example.com"
allow_private_endpoints = true
timeout_seconds = 4
`,
      });
      db = new pg.Client({ connectionString: TEST_DATABASE_URL });
      await db.connect();
    });
    after(async () => {
      await db?.end();
      await cluster?.stop();
      await double.stop();
    });

    const queued = async () =>
      Number(
        (await db.query(`select count(*) as n from "${cluster.schema}".push_queue`)).rows[0].n,
      );

    async function setUp(nodeUrl: string) {
      const alice = await createUser(nodeUrl);
      const bob = await createUser(nodeUrl);
      const subscribers: Subscriber[] = [];
      for (let i = 0; i < 3; i++) {
        const subscriber = double.subscriber();
        const res = await client(nodeUrl).post(`${V1}/push/subscriptions`, subscriber.json, {
          token: bob.token,
        });
        assert.equal(res.status, 201, res.text);
        subscribers.push(subscriber);
      }
      const created = await client(nodeUrl).post(
        `${V1}/conversations`,
        { type: "group", title: "Cluster", member_ids: [bob.id] },
        { token: alice.token },
      );
      assert.equal(created.status, 201, created.text);
      return { alice, bob, subscribers, conversationId: created.body.id as string };
    }

    async function send(nodeUrl: string, user: TestUser, conversationId: string, body: string) {
      const res = await client(nodeUrl).post(
        `${V1}/conversations/${conversationId}/messages`,
        { body },
        { token: user.token },
      );
      assert.equal(res.status, 201, res.text);
      return res.body.id as string;
    }

    it("sends each push once while both nodes work the queue", async () => {
      const [first, second] = cluster.nodes;
      assert.ok(first && second);
      const { alice, subscribers, conversationId } = await setUp(first.url);
      // A slow push service keeps one node busy so that the other claims pushes too.
      double.delayMs = 50;
      const sent: string[] = [];
      for (let i = 0; i < 20; i++) {
        const node = i % 2 === 0 ? first : second;
        sent.push(await send(node.url, alice, conversationId, `message ${i}`));
      }
      const mine = (s: Subscriber) => double.received.filter((p) => p.subscriber === s.id);
      await eventually(() => subscribers.every((s) => mine(s).length >= sent.length));
      await eventually(async () => (await queued()) === 0);
      double.delayMs = 0;
      for (const subscriber of subscribers) {
        assert.deepEqual(mine(subscriber).map(messageIdOf).sort(), [...sent].sort());
        const requests = double.attempts.filter((a) => a.subscriber === subscriber.id);
        assert.equal(requests.length, sent.length, "one request per push");
      }
      assert.deepEqual(double.problems, []);
    });

    it("repeats a push at most once when the node sending it is killed", async () => {
      const [first, second] = cluster.nodes;
      assert.ok(first && second);
      const { alice, subscribers, conversationId } = await setUp(second.url);
      // Every first request hangs: the pushes stay claimed, in flight, when a node dies.
      for (const s of subscribers) double.answer(s, "hang", "hang", "hang");
      const sent: string[] = [];
      for (let i = 0; i < 3; i++) sent.push(await send(second.url, alice, conversationId, `k${i}`));
      const hanging = () => double.attempts.filter((a) => a.answer === "hang").length;
      await eventually(() => hanging() >= 9);
      const claimers = (
        await db.query(
          `select distinct claimed_by from "${cluster.schema}".push_queue where claimed_by is not null`,
        )
      ).rows.map((r: { claimed_by: string }) => r.claimed_by);
      const victim = cluster.nodes.find((n) => claimers.includes(n.nodeId));
      assert.ok(victim, `a node holds claims (${claimers.join(", ")})`);
      await cluster.kill(victim.index);

      await eventually(async () => (await queued()) === 0);
      for (const subscriber of subscribers) {
        const delivered = double.received.filter((p) => p.subscriber === subscriber.id);
        assert.deepEqual(delivered.map(messageIdOf).sort(), [...sent].sort());
        for (const id of sent) {
          const tries: Attempt[] = double.attempts.filter(
            (a) => a.subscriber === subscriber.id && messageIdOf(a) === id,
          );
          assert.ok(tries.length <= 2, `${id}: ${tries.length} requests`);
          assert.equal(new Set(tries.map((t) => t.topic)).size, 1);
        }
      }
      assert.deepEqual(double.problems, []);
    });
  });
}
