/**
 * The SDK's device calls (client.devices) against a real server on both engines: each
 * decodes the server's answer, and a refused key package is an ApiError naming it.
 */
import assert from "node:assert/strict";
import { it } from "node:test";
import { ApiClient, ApiError } from "@private-chat/sdk";
import { b64, keyPackages, newKeys } from "../api/devices-fixture.js";
import { apiSuite } from "../helpers/api-suite.js";
import { forEachEngine } from "../helpers/engines.js";

forEachEngine("SDK device calls", (run) => {
  const { started, users } = apiSuite(run);

  it("registers, fills, lists, claims from, renames and removes a device", async () => {
    const { server } = started();
    const [alice, bob] = await users(2);
    if (!alice || !bob) throw new Error("no users");
    const client = new ApiClient({ baseUrl: server.url, token: alice.token });
    const keys = await newKeys();
    const device = await client.devices.register("laptop", b64(keys.publicKey));
    const test = { id: device.id, user: alice, keys };
    const [last] = await keyPackages(test, 1);
    const uploaded = await client.devices.uploadKeyPackages(
      device.id,
      await keyPackages(test, 2),
      last,
    );
    assert.deepEqual(uploaded, { unused_key_packages: 2, has_last_resort: true });
    await assert.rejects(
      client.devices.uploadKeyPackages(device.id, ["AAAA"]),
      (err) => err instanceof ApiError && err.code === "invalid_request",
    );
    const [listed] = await client.devices.list();
    assert.equal(listed?.unused_key_packages, 2);

    const other = new ApiClient({ baseUrl: server.url, token: bob.token });
    const [seen] = await other.devices.ofUser(alice.id);
    assert.equal(seen?.signature_key, b64(keys.publicKey));
    const [claimed] = await other.devices.claimKeyPackages(alice.id);
    assert.equal(claimed?.device_id, device.id);
    assert.equal(claimed?.last_resort, false);

    assert.equal((await client.devices.rename(device.id, "old laptop")).name, "old laptop");
    await client.devices.remove(device.id);
    assert.deepEqual(await client.devices.list(), []);
  });
});
