import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createDeviceKeys, makeKeyPackages } from "./device.js";
import {
  KEY_PACKAGE_POOL,
  type RegisteredDevice,
  toBase64Url,
  topUpKeyPackages,
} from "./register.js";

/** A device kept in memory, and every step the store and the server see, in order. */
async function setUp(pool: number) {
  const keys = await createDeviceKeys({ userId: "user-1", deviceId: "device-1" });
  let kept: RegisteredDevice | undefined = { keys, held: await makeKeyPackages(keys, pool) };
  const steps: string[] = [];
  const uploads: { deviceId: string; packages: string[] }[] = [];
  const store = {
    load: async () => kept,
    save: async (device: RegisteredDevice) => {
      steps.push(`save ${device.held.length}`);
      kept = device;
    },
  };
  const devices = {
    uploadKeyPackages: async (deviceId: string, packages: string[]) => {
      steps.push(`upload ${packages.length}`);
      uploads.push({ deviceId, packages });
      return { unused_key_packages: KEY_PACKAGE_POOL, has_last_resort: true };
    },
  };
  return { store, devices, steps, uploads, kept: () => kept, forget: () => (kept = undefined) };
}

describe("topUpKeyPackages", () => {
  it("makes the pool up again, saved with the device before they are uploaded", async () => {
    const { store, devices, steps, uploads, kept } = await setUp(3);
    assert.equal(await topUpKeyPackages(devices, store, 9), KEY_PACKAGE_POOL - 9);
    assert.deepEqual(steps, ["save 14", "upload 11"]);
    const held = kept()?.held ?? [];
    assert.equal(uploads[0]?.deviceId, "device-1");
    assert.deepEqual(
      uploads[0]?.packages,
      held.slice(3).map((p) => toBase64Url(p.encoded)),
    );
  });

  it("does nothing when the pool is full or the device is not kept", async () => {
    const { store, devices, steps, forget } = await setUp(1);
    assert.equal(await topUpKeyPackages(devices, store, KEY_PACKAGE_POOL), 0);
    forget();
    assert.equal(await topUpKeyPackages(devices, store, 0), 0);
    assert.deepEqual(steps, []);
  });

  it("uploads nothing when the device could not be saved", async () => {
    const { store, devices, steps } = await setUp(1);
    const failing = {
      ...store,
      save: async () => {
        throw new Error("disk full");
      },
    };
    await assert.rejects(topUpKeyPackages(devices, failing, 5), /disk full/);
    assert.deepEqual(steps, []);
  });
});
