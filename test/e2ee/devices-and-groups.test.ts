/**
 * The SDK's MLS layer with the server's device registry, on both engines: devices made by
 * the SDK register and upload key packages that the server's checks accept, another
 * person claims them, and the claimed packages add those devices to a group whose
 * members then read each other. (The group's messages pass between the devices here;
 * encrypted-conversations.test.ts carries them through the server.)
 */
import assert from "node:assert/strict";
import { it } from "node:test";
import { ApiClient, ApiError } from "@private-chat/sdk";
import { EncryptedGroup, type HeldKeyPackage, makeKeyPackages } from "@private-chat/sdk/mls";
import { apiSuite } from "../helpers/api-suite.js";
import { forEachEngine } from "../helpers/engines.js";
import { b64, setUpDevice } from "./device-fixture.js";

forEachEngine("encrypted groups from the server's key packages", (run) => {
  const { started, users } = apiSuite(run);

  it("adds every device of a person from the packages the server hands out", async () => {
    const { server } = started();
    const [alice, bob] = await users(2);
    if (!alice || !bob) throw new Error("no users");
    const aliceApi = new ApiClient({ baseUrl: server.url, token: alice.token });
    const bobApi = new ApiClient({ baseUrl: server.url, token: bob.token });
    const laptop = await setUpDevice(aliceApi, alice.id, "laptop");
    const phone = await setUpDevice(bobApi, bob.id, "phone");
    const desktop = await setUpDevice(bobApi, bob.id, "desktop");

    // Another device's key packages are refused: they name it, not this one.
    const [stranger] = await makeKeyPackages({ ...laptop.keys, deviceId: "elsewhere" }, 1);
    if (!stranger) throw new Error("no key package");
    await assert.rejects(
      aliceApi.devices.uploadKeyPackages(laptop.keys.deviceId, [b64(stranger.encoded)]),
      (err) => err instanceof ApiError && err.code === "invalid_request",
    );

    const claimed = await aliceApi.devices.claimKeyPackages(bob.id);
    assert.equal(claimed.length, 2);
    const group = await EncryptedGroup.create(
      laptop.keys,
      "conversation",
      laptop.held[1] as HeldKeyPackage,
    );
    const added = await group.add(claimed.map((c) => Buffer.from(c.key_package, "base64url")));
    await group.receive(added.commit);
    const bobs = await Promise.all(
      [phone, desktop].map((d) => EncryptedGroup.join(d.keys, added.welcome as Uint8Array, d.held)),
    );
    assert.deepEqual(
      group
        .members()
        .map((m) => m.userId)
        .sort(),
      [alice.id, bob.id, bob.id].sort(),
    );
    const sealed = await group.encrypt(new TextEncoder().encode("only for our devices"));
    for (const reader of bobs) {
      const got = await reader.receive(sealed);
      assert.equal(got.kind, "message");
      if (got.kind === "message") {
        assert.equal(new TextDecoder().decode(got.plaintext), "only for our devices");
        assert.deepEqual(got.sender, { userId: alice.id, deviceId: laptop.keys.deviceId });
      }
    }
  });
});
