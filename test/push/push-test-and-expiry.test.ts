/**
 * The test notification a person sends from Settings (to one subscription of theirs,
 * owner only, at most one per subscription every 10 s), and subscriptions whose session
 * ended by expiry: never pushed to, not listed, and swept away.
 */
import assert from "node:assert/strict";
import { it } from "node:test";
import { ApiClient, ApiError } from "@private-chat/sdk";
import { forEachEngine } from "../helpers/engines.js";
import type { Response } from "../helpers/http.js";
import { trustedCert } from "../helpers/trusted-cert.js";
import { pushSuite, V1 } from "./push-fixture.js";

const tls = trustedCert();

if (tls) {
  forEachEngine("Web Push test notifications", { redis: true }, (run) => {
    const { double, started, as, users, subscribe } = pushSuite(run, tls);

    it("queues a test push to that subscription only, for its owner only", async () => {
      const { api, server } = started();
      const [alice, bob] = await users(2);
      assert.ok(alice && bob);
      const first = await subscribe(alice);
      const second = await subscribe(alice);

      const sdk = new ApiClient({ baseUrl: server.url, token: alice.token });
      await sdk.push.test(first.serverId);
      const push = await double.next((p) => p.subscriber === first.id);
      assert.deepEqual(push.payload, {
        type: "test",
        title: "Private Chat",
        text: "Notifications work on this device.",
      });
      assert.equal(push.headers.urgency, "high");

      // Again at once: refused with a wait, and nothing more is sent.
      const again = await api.post(
        `${V1}/push/subscriptions/${first.serverId}/test`,
        undefined,
        as(alice),
      );
      assert.equal(again.status, 429, again.text);
      assert.equal(again.body.error.code, "rate_limited");
      assert.ok(Number(again.headers.get("retry-after")) >= 1);
      // Someone else's subscription, and one that does not exist, are not found.
      for (const id of [first.serverId, "00000000-0000-0000-0000-000000000000"]) {
        const res: Response = await api.post(
          `${V1}/push/subscriptions/${id}/test`,
          undefined,
          as(bob),
        );
        assert.equal(res.status, 404, res.text);
        assert.equal(res.body.error.code, "not_found");
      }
      const anonymous = await api.post(`${V1}/push/subscriptions/${first.serverId}/test`);
      assert.equal(anonymous.status, 401);

      // The other subscription has its own allowance; the first got exactly one push.
      await sdk.push.test(second.serverId);
      await double.next((p) => p.subscriber === second.id);
      assert.equal(double.pushesTo(first).length, 1);
      await assert.rejects(sdk.push.test(first.serverId), (err: unknown) => {
        assert.ok(err instanceof ApiError);
        assert.equal(err.status, 429);
        return true;
      });
      assert.deepEqual(double.problems, []);
    });
  });

  forEachEngine("Web Push and expired sessions", { redis: true }, (run) => {
    const suite = pushSuite(run, tls);
    const { double, started, users, subscribe, group, send, login } = suite;

    it("never pushes to a subscription whose session expired, and sweeps it away", async () => {
      const { api, server } = started();
      const { store } = server.ctx;
      const [alice, bob, carol] = await users(3);
      assert.ok(alice && bob && carol);
      const bobs = await subscribe(bob);
      const carols = await subscribe(carol);
      // Bob's session reaches its expiry (`[auth] token_expiry_seconds` after sign-in):
      // set in the database rather than waited for. He signs in again, in a new session.
      const ended = await store.push.liveById(bobs.serverId, Date.now());
      assert.ok(ended);
      await store.db
        .updateTable("sessions")
        .set({ expires_at: Date.now() - 1 })
        .where("id", "=", ended.session_id)
        .execute();
      const bobToken = await login(bob);
      const listed = await api.get(`${V1}/push/subscriptions`, { token: bobToken });
      assert.deepEqual(listed.body.subscriptions, []);

      const id = await group(alice, [bob, carol]);
      await send(alice, id, "after the expiry");
      // Carol's push went out; Bob's would have been queued with it, and was not.
      await double.next((p) => p.subscriber === carols.id);
      assert.deepEqual(double.pushesTo(bobs), []);
      assert.equal((await store.push.liveForUsers([bob.id], Date.now())).length, 0);
      // Nor can a test notification reach it.
      const test = await api.post(`${V1}/push/subscriptions/${bobs.serverId}/test`, undefined, {
        token: bobToken,
      });
      assert.equal(test.status, 404, test.text);

      // The sweep every node's push sender runs as it starts and then each minute deletes
      // the row and leaves Carol's (live) one; run here directly rather than waited for
      // (the sender's own first sweep may have come after the expiry and done it already).
      assert.ok((await store.push.removeEnded(Date.now())) <= 1);
      const rows = await store.db.selectFrom("push_subscriptions").select("id").execute();
      assert.ok(!rows.some((r) => r.id === bobs.serverId));
      assert.ok(rows.some((r) => r.id === carols.serverId));
    });
  });
}
