import assert from "node:assert/strict";
import { it } from "node:test";
import { backoffDelay } from "./backoff.js";

it("grows exponentially up to the cap, with full jitter", () => {
  const top = (attempt: number) =>
    backoffDelay(attempt, { baseMs: 100, maxMs: 5000, random: () => 0.999999 });
  assert.deepEqual([0, 1, 2, 3].map(top), [99, 199, 399, 799]);
  assert.equal(top(30), 4999);
  assert.equal(backoffDelay(5, { baseMs: 100, maxMs: 5000, random: () => 0 }), 0);
});
