import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { describe, it } from "node:test";
import { type SafetyParty, safetyNumber, safetyNumberLines } from "./safety-number.js";

const key = (fill: number) => new Uint8Array(32).fill(fill);
const alice: SafetyParty = { userId: "alice-id", signatureKeys: [key(1), key(2)] };
const bob: SafetyParty = { userId: "bob-id", signatureKeys: [key(3)] };

/** The construction as docs/E2EE.md states it, written again with node:crypto. */
function halfAsDocumented(party: SafetyParty): string {
  const keys = Buffer.concat(
    [...party.signatureKeys].map((k) => Buffer.from(k)).sort(Buffer.compare),
  );
  let hash = createHash("sha512")
    .update(Buffer.from([0, 1]))
    .update(keys)
    .update(party.userId)
    .digest();
  for (let i = 0; i < 5200; i++) hash = createHash("sha512").update(hash).update(keys).digest();
  let digits = "";
  for (let c = 0; c < 6; c++)
    digits += String(hash.readUIntBE(c * 5, 5) % 100_000).padStart(5, "0");
  return digits;
}

describe("safety numbers", () => {
  it("is the documented construction: two 30-digit halves, the smaller first", () => {
    const halves = [halfAsDocumented(alice), halfAsDocumented(bob)].sort();
    assert.equal(safetyNumber(alice, bob), halves.join(""));
    assert.match(safetyNumber(alice, bob), /^\d{60}$/);
  });

  it("is the same on both sides, whatever order the server lists devices in", () => {
    const number = safetyNumber(alice, bob);
    assert.equal(safetyNumber(bob, alice), number);
    const reordered = { ...alice, signatureKeys: [key(2), key(1)] };
    assert.equal(safetyNumber(reordered, bob), number);
  });

  it("changes with a device added or removed, or another person", () => {
    const number = safetyNumber(alice, bob);
    const added = { ...bob, signatureKeys: [key(3), key(4)] };
    const removed = { ...alice, signatureKeys: [key(1)] };
    const other = { ...bob, userId: "mallory-id" };
    for (const [a, b] of [
      [alice, added],
      [removed, bob],
      [alice, other],
    ] as const)
      assert.notEqual(safetyNumber(a, b), number);
  });

  it("refuses a person with no device", () => {
    assert.throws(() => safetyNumber(alice, { ...bob, signatureKeys: [] }), RangeError);
  });

  it("reads out in groups of five, four groups a line", () => {
    const lines = safetyNumberLines("0123456789".repeat(6));
    assert.deepEqual(lines, [
      "01234 56789 01234 56789",
      "01234 56789 01234 56789",
      "01234 56789 01234 56789",
    ]);
  });
});
