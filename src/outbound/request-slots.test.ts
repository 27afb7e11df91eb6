import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { RequestSlots } from "./request-slots.js";

/** Whether `promise` has settled once pending callbacks ran. */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  void promise.then(() => {
    done = true;
  });
  await new Promise((resolve) => setImmediate(resolve));
  return done;
}

describe("request slots", () => {
  it("lets as many requests per origin through as it has slots, the next when one frees", async () => {
    const slots = new RequestSlots(2, 10);
    const first = await slots.acquire("a");
    await slots.acquire("a");
    const third = slots.acquire("a");
    assert.equal(await settled(third), false);
    // Another origin is not held up by a busy one.
    assert.equal(await settled(slots.acquire("b")), true);
    first();
    assert.equal(await settled(third), true);
  });

  it("holds to the limit over all origins, and frees a slot once however often it is freed", async () => {
    const slots = new RequestSlots(5, 2);
    const a = await slots.acquire("a");
    await slots.acquire("b");
    const c = slots.acquire("c");
    const d = slots.acquire("d");
    assert.equal(await settled(c), false);
    a();
    a();
    assert.equal(await settled(c), true);
    assert.equal(await settled(d), false);
  });

  it("gives a freed slot to the longest-waiting request that has room", async () => {
    const slots = new RequestSlots(1, 2);
    const a = await slots.acquire("a");
    await slots.acquire("b");
    const order: string[] = [];
    const waitA = slots.acquire("a").then(() => order.push("a"));
    const waitC = slots.acquire("c").then(() => order.push("c"));
    // "a" is full: the slot freed by "a" goes to the first waiter, the second "a".
    a();
    await waitA;
    assert.deepEqual(order, ["a"]);
    assert.equal(await settled(waitC), false);
  });
});
