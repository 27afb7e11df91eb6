/**
 * TOTP codes with a fixed clock: RFC 6238's SHA-1 test vectors (the last six of their
 * eight digits, which is what a six-digit code is), the window of one step either side,
 * and codes that are not six digits.
 */
import assert from "node:assert/strict";
import { it } from "node:test";
import { totpCode, totpStep } from "./totp.js";

// The RFC's seed "12345678901234567890", base32.
const SEED = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
const VECTORS: [number, string][] = [
  [59, "287082"],
  [1111111109, "081804"],
  [1111111111, "050471"],
  [1234567890, "005924"],
  [2000000000, "279037"],
  [20000000000, "353130"],
];

it("gives RFC 6238's codes at its times", () => {
  for (const [seconds, code] of VECTORS) {
    assert.equal(totpCode(SEED, seconds * 1000), code, `T = ${seconds}`);
    assert.equal(totpStep(SEED, code, seconds * 1000), Math.floor(seconds / 30));
  }
});

it("accepts a code one step early or late, not two", () => {
  const now = 1234567890 * 1000;
  const step = Math.floor(now / 30_000);
  assert.equal(totpStep(SEED, totpCode(SEED, now - 30_000), now), step - 1);
  assert.equal(totpStep(SEED, totpCode(SEED, now + 30_000), now), step + 1);
  assert.equal(totpStep(SEED, totpCode(SEED, now - 60_000), now), undefined);
  assert.equal(totpStep(SEED, totpCode(SEED, now + 60_000), now), undefined);
});

it("reads a code typed with spaces, and refuses anything but six digits", () => {
  const now = 59_000;
  assert.equal(totpStep(SEED, "287 082", now), 1);
  for (const bad of ["", "28708", "2870822", "28708a", "94287082", "-28708"]) {
    assert.equal(totpStep(SEED, bad, now), undefined, JSON.stringify(bad));
  }
});
