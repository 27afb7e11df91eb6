/**
 * The server's key-package check (src/devices/key-package.ts) against damaged input made
 * from a real ts-mls key package: every byte flipped in turn and every truncation is
 * refused as a KeyPackageProblem (a 400), never accepted and never thrown as anything
 * else (a 500). The untouched package passes, with its KeyPackageRef.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { describe, it } from "node:test";
import { checkKeyPackage, KeyPackageProblem } from "../../src/devices/key-package.js";
import { keyPackage, newKeys, type TestDevice } from "../api/devices-fixture.js";

describe("key-package check", () => {
  const refused = async (bytes: Uint8Array, expected: Parameters<typeof checkKeyPackage>[1]) => {
    try {
      await checkKeyPackage(bytes, expected, Date.now());
      return "accepted";
    } catch (err) {
      return err instanceof KeyPackageProblem ? "refused" : `threw ${String(err)}`;
    }
  };

  it("takes a good package, and refuses every flipped byte and every truncation", async () => {
    const keys = await newKeys();
    const device: TestDevice = {
      id: randomUUID(),
      user: { id: randomUUID(), username: "", password: "", token: "" },
      keys,
    };
    const good = await keyPackage(device);
    const expected = {
      signatureKey: keys.publicKey,
      identity: `${device.user.id}:${device.id}`,
    };
    const checked = await checkKeyPackage(good, expected, Date.now());
    assert.equal(Buffer.from(checked.ref, "base64url").length, 32, "a SHA-256 KeyPackageRef");
    assert.ok(checked.notAfter > Date.now());

    const problems: string[] = [];
    for (let i = 0; i < good.length; i++) {
      for (const mask of [0x01, 0x80, 0xff]) {
        const bad = Uint8Array.from(good);
        bad[i] = (bad[i] ?? 0) ^ mask;
        const outcome = await refused(bad, expected);
        if (outcome !== "refused") problems.push(`byte ${i} ^ ${mask}: ${outcome}`);
      }
    }
    for (let n = 0; n < good.length; n++) {
      const outcome = await refused(good.subarray(0, n), expected);
      if (outcome !== "refused") problems.push(`first ${n} bytes: ${outcome}`);
    }
    assert.deepEqual(problems, []);
  });
});
