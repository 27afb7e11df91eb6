/**
 * Notification preferences decide what is pushed, on both engines, against the push
 * service double: a muted conversation or level `none` sends nothing, `mentions` only
 * what @mentions the user (the default of groups over 25 members), do-not-disturb hours
 * nothing, and a mute that has run out sends again.
 *
 * "Nothing was sent" is judged as the other push suites do: a later message that does
 * notify is queued after the silent ones, so once its push arrives theirs would have.
 */
import assert from "node:assert/strict";
import { it } from "node:test";
import { MUTED_FOREVER } from "@private-chat/protocol/notifications";
import { forEachEngine } from "../helpers/engines.js";
import type { TestUser } from "../helpers/factories.js";
import type { Subscriber } from "../helpers/push-double.js";
import { trustedCert } from "../helpers/trusted-cert.js";
import { eventually, pushSuite, V1 } from "./push-fixture.js";

const tls = trustedCert();

/** HH:MM in UTC, `minutes` from now. */
function utcClock(minutes: number): string {
  const at = new Date(Date.now() + minutes * 60_000);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${pad(at.getUTCHours())}:${pad(at.getUTCMinutes())}`;
}

if (tls) {
  forEachEngine("Web Push and notification preferences", { redis: true }, (run) => {
    const { double, started, as, users, subscribe, group, send } = pushSuite(run, tls);

    const setPrefs = async (user: TestUser, id: string, body: unknown) => {
      const res = await started().api.put(
        `${V1}/conversations/${id}/notifications`,
        body,
        as(user),
      );
      assert.equal(res.status, 200, res.text);
    };
    const setDnd = async (user: TestUser, dnd: unknown) => {
      const res = await started().api.put(`${V1}/me/notifications`, { dnd }, as(user));
      assert.equal(res.status, 200, res.text);
    };
    const messageIds = (subscriber: Subscriber) =>
      double.pushesTo(subscriber).map((p) => (p.payload as { message_id?: string }).message_id);
    const pushOf = (id: string) => (p: { payload: unknown }) =>
      (p.payload as { message_id?: string }).message_id === id;

    it("sends nothing of a muted conversation or one set to nothing", async () => {
      const [alice, bob] = (await users(2)) as [TestUser, TestUser];
      const bobs = await subscribe(bob);
      const muted = await group(alice, [bob], "Muted");
      const silent = await group(alice, [bob], "Silent");
      const open = await group(alice, [bob], "Open");
      await setPrefs(bob, muted, { muted_until: MUTED_FOREVER });
      await setPrefs(bob, silent, { level: "none" });
      const a = await send(alice, muted, `@${bob.username} in a muted group`);
      const b = await send(alice, silent, `@${bob.username} where nothing notifies`);
      const marker = await send(alice, open, "here all do");
      await double.next(pushOf(marker.id));
      const ids = messageIds(bobs);
      assert.ok(!ids.includes(a.id), "a mute silences even a mention");
      assert.ok(!ids.includes(b.id), "level none silences even a mention");
    });

    it("sends only mentions at level mentions, the default of a group over 25", async () => {
      const [alice, bob, carol, ...others] = (await users(26)) as TestUser[];
      assert.ok(alice && bob && carol);
      const bobs = await subscribe(bob);
      const carols = await subscribe(carol);
      const small = await group(alice, [bob, carol], "Small");
      await setPrefs(bob, small, { level: "mentions" });
      const plain = await send(alice, small, "nobody named");
      const named = await send(alice, small, `@${bob.username} look`);
      await double.next((p) => p.subscriber === bobs.id && pushOf(named.id)(p));
      await double.next((p) => p.subscriber === carols.id && pushOf(named.id)(p));
      assert.ok(!messageIds(bobs).includes(plain.id), "no push without a mention");
      assert.ok(messageIds(carols).includes(plain.id), "carol kept the default, all");

      const large = await group(alice, [bob, carol, ...others], "Large");
      const plainLarge = await send(alice, large, "to everyone");
      const namedLarge = await send(alice, large, `@${carol.username} you`);
      await double.next((p) => p.subscriber === carols.id && pushOf(namedLarge.id)(p));
      // Bob chooses all in the large group: he hears everything there.
      await setPrefs(bob, large, { level: "all" });
      const afterChoice = await send(alice, large, "now bob hears this");
      await double.next((p) => p.subscriber === bobs.id && pushOf(afterChoice.id)(p));
      assert.ok(!messageIds(carols).includes(plainLarge.id), "over 25 members: mentions only");
      assert.ok(!messageIds(bobs).includes(plainLarge.id));
      assert.ok(!messageIds(bobs).includes(namedLarge.id), "carol's mention is not bob's");
    });

    it("sends a reply kept to its thread only to those who follow the thread", async () => {
      const [alice, bob, carol] = (await users(3)) as [TestUser, TestUser, TestUser];
      const alices = await subscribe(alice);
      const bobs = await subscribe(bob);
      const id = await group(alice, [bob, carol], "Threads");
      const root = await send(bob, id, "a question");
      const reply = await send(carol, id, "an answer", { thread_id: root.id });
      // Bob wrote the root, so he follows the thread; Alice does not.
      await double.next((p) => p.subscriber === bobs.id && pushOf(reply.id)(p));
      const both = await send(carol, id, "for everyone", {
        thread_id: root.id,
        also_to_conversation: true,
      });
      await double.next((p) => p.subscriber === alices.id && pushOf(both.id)(p));
      assert.ok(!messageIds(alices).includes(reply.id), "alice follows no thread");
    });

    it("sends nothing during do-not-disturb hours, and again after them", async () => {
      const [alice, bob, carol] = (await users(3)) as [TestUser, TestUser, TestUser];
      const bobs = await subscribe(bob);
      const carols = await subscribe(carol);
      const id = await group(alice, [bob, carol]);
      // A span around now (it passes midnight when now is near it).
      await setDnd(bob, { start: utcClock(-60), end: utcClock(60), time_zone: "UTC" });
      const quiet = await send(alice, id, `@${bob.username} during the night`);
      await double.next((p) => p.subscriber === carols.id && pushOf(quiet.id)(p));
      // Hours that are not now: pushes flow again.
      await setDnd(bob, { start: utcClock(120), end: utcClock(-120), time_zone: "UTC" });
      const later = await send(alice, id, "in the day");
      await double.next((p) => p.subscriber === bobs.id && pushOf(later.id)(p));
      assert.ok(!messageIds(bobs).includes(quiet.id), "nothing during do not disturb");
      await setDnd(bob, null);
    });

    it("sends again once a mute has run out", async () => {
      const [alice, bob, carol] = (await users(3)) as [TestUser, TestUser, TestUser];
      const bobs = await subscribe(bob);
      const carols = await subscribe(carol);
      const id = await group(alice, [bob, carol]);
      const until = Date.now() + 3000;
      await setPrefs(bob, id, { muted_until: until });
      const muted = await send(alice, id, "while muted");
      await double.next((p) => p.subscriber === carols.id && pushOf(muted.id)(p));
      await eventually(() => Date.now() > until);
      const after = await send(alice, id, "after the mute");
      await double.next((p) => p.subscriber === bobs.id && pushOf(after.id)(p));
      assert.ok(!messageIds(bobs).includes(muted.id), "nothing while muted");
    });
  });
}
