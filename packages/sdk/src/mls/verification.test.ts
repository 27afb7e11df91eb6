import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { toBase64Url } from "./register.js";
import { deviceKeys, partyOf, verificationState } from "./verification.js";

describe("whether a verification still holds", () => {
  it("holds for the very set of devices compared, in any order", () => {
    assert.equal(verificationState(["a", "b"], ["b", "a"]), "verified");
  });

  it("is lost when a device is added or removed", () => {
    assert.equal(verificationState(["a"], ["a", "b"]), "changed");
    assert.equal(verificationState(["a", "b"], ["a"]), "changed");
    assert.equal(verificationState(["a"], ["b"]), "changed");
  });

  it("was never there when nothing was marked", () => {
    assert.equal(verificationState([], ["a"]), "unverified");
    assert.equal(verificationState([], []), "unverified");
  });

  it("keeps keys sorted, as both apps store them", () => {
    assert.deepEqual(deviceKeys([{ signature_key: "b" }, { signature_key: "a" }]), ["a", "b"]);
  });

  it("makes a safety number's side from the devices as the server lists them", () => {
    const key = new Uint8Array([1, 2, 250]);
    assert.deepEqual(partyOf("bob", [{ signature_key: toBase64Url(key) }]), {
      userId: "bob",
      signatureKeys: [key],
    });
  });
});
