/**
 * Devices and their key-package pools over REST, on both engines: a person registers,
 * lists, renames and removes their devices (nobody else can touch them), and uploads key
 * packages made with ts-mls; every kind of package that would not work, or would not be
 * the device's, is refused with a 400 naming it, and nothing of its batch is stored.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { before, describe, it } from "node:test";
import type { DeviceView } from "@private-chat/protocol/devices";
import { apiSuite } from "../helpers/api-suite.js";
import { forEachEngine } from "../helpers/engines.js";
import type { TestUser } from "../helpers/factories.js";
import type { client } from "../helpers/http.js";
import {
  b64,
  deviceCalls,
  keyPackage,
  keyPackages,
  newKeys,
  type TestDevice,
  V1,
} from "./devices-fixture.js";

const DAY = 24 * 3600;

forEachEngine("devices API", (run) => {
  let api: ReturnType<typeof client>;
  let calls: ReturnType<typeof deviceCalls>;
  const { started, as, users } = apiSuite(run);
  before(() => {
    ({ api } = started());
    calls = deviceCalls(api);
  });
  const mine = async (user: TestUser) =>
    (await api.get<{ devices: DeviceView[] }>(`${V1}/devices`, as(user))).body.devices;

  describe("devices", () => {
    it("registers, lists, renames and removes a device", async () => {
      const [a] = (await users(1)) as [TestUser];
      const keys = await newKeys();
      const made = await api.post<DeviceView>(
        `${V1}/devices`,
        { name: "  work laptop ", signature_key: b64(keys.publicKey) },
        as(a),
      );
      assert.equal(made.status, 201, made.text);
      assert.equal(made.body.name, "work laptop");
      assert.equal(made.body.signature_key, b64(keys.publicKey));
      assert.equal(made.body.unused_key_packages, 0);
      assert.equal(made.body.has_last_resort, false);
      assert.deepEqual(
        (await mine(a)).map((d) => d.id),
        [made.body.id],
      );

      const renamed = await api.patch<DeviceView>(
        `${V1}/devices/${made.body.id}`,
        { name: "old laptop" },
        as(a),
      );
      assert.equal(renamed.status, 200, renamed.text);
      assert.equal(renamed.body.name, "old laptop");
      const blank = await api.patch(`${V1}/devices/${made.body.id}`, { name: "   " }, as(a));
      assert.equal(blank.status, 400);

      const gone = await api.delete(`${V1}/devices/${made.body.id}`, as(a));
      assert.equal(gone.status, 204);
      assert.deepEqual(await mine(a), []);
      assert.equal((await api.delete(`${V1}/devices/${made.body.id}`, as(a))).status, 404);
    });

    it("refuses a key that is not 32 bytes, one registered already, and a 21st device, also in a race", async () => {
      const [a, b] = (await users(2)) as [TestUser, TestUser];
      const post = (user: TestUser, signature_key: string) =>
        api.post(`${V1}/devices`, { name: "phone", signature_key }, as(user));
      const short = await post(a, b64(randomBytes(31)));
      assert.equal(short.status, 400);
      assert.equal(short.body.error.code, "invalid_request");
      const device = await calls.register(a);
      const taken = await post(b, b64(device.keys.publicKey));
      assert.equal(taken.status, 409);
      assert.equal(taken.body.error.code, "conflict");
      // 25 at once where 19 places are left: the count holds under concurrency too.
      const keys = await Promise.all(Array.from({ length: 25 }, () => newKeys()));
      const answers = await Promise.all(keys.map((k) => post(a, b64(k.publicKey))));
      assert.equal(answers.filter((r) => r.status === 201).length, 19);
      const over = answers.filter((r) => r.status === 409);
      assert.equal(over.length, 6);
      assert.match(over[0]?.body.error.message, /at most 20 devices/);
      assert.equal((await mine(a)).length, 20);
    });

    it("lets nobody else rename or remove a device (404), and shows its public part", async () => {
      const [owner, other] = (await users(2)) as [TestUser, TestUser];
      const device = await calls.register(owner, "desk");
      const patch = await api.patch(`${V1}/devices/${device.id}`, { name: "mine now" }, as(other));
      assert.equal(patch.status, 404);
      const del = await api.delete(`${V1}/devices/${device.id}`, as(other));
      assert.equal(del.status, 404);
      const upload = await api.post(
        `${V1}/devices/${device.id}/key-packages`,
        { key_packages: await keyPackages(device, 1) },
        as(other),
      );
      assert.equal(upload.status, 404);
      // The same answer as for a device that does not exist: nothing is learnt.
      const missing = await api.delete(`${V1}/devices/${crypto.randomUUID()}`, as(other));
      assert.deepEqual(missing.body, del.body);

      const seen = await api.get(`${V1}/users/${owner.id}/devices`, as(other));
      assert.equal(seen.status, 200, seen.text);
      assert.deepEqual(seen.body.devices, [
        {
          id: device.id,
          name: "desk",
          signature_key: b64(device.keys.publicKey),
          created_at: seen.body.devices[0].created_at,
        },
      ]);
      const unknown = await api.get(`${V1}/users/${crypto.randomUUID()}/devices`, as(other));
      assert.equal(unknown.status, 404);
    });
  });

  describe("key packages", () => {
    it("takes valid packages and a last-resort one, and counts them", async () => {
      const [a] = (await users(1)) as [TestUser];
      const device = await calls.register(a);
      const [last] = await keyPackages(device, 1);
      const res = await calls.upload(device, await keyPackages(device, 5), last);
      assert.equal(res.status, 200, res.text);
      assert.deepEqual(res.body, { unused_key_packages: 5, has_last_resort: true });
      const more = await calls.upload(device, await keyPackages(device, 3));
      assert.deepEqual(more.body, { unused_key_packages: 8, has_last_resort: true });
      const [listed] = await mine(a);
      assert.equal(listed?.unused_key_packages, 8);
      assert.equal(listed?.has_last_resort, true);
      assert.ok((listed?.last_seen_at ?? 0) >= (listed?.created_at ?? Infinity));
    });

    /** Uploads one good package and then `bad` at index 1: the batch is refused whole. */
    const refused = async (
      device: TestDevice,
      bad: Uint8Array | string,
      reason: RegExp,
      index = "key_packages[1]",
    ) => {
      const [good] = await keyPackages(device, 1);
      const encoded = typeof bad === "string" ? bad : b64(bad);
      const res = await calls.upload(device, [good as string, encoded]);
      assert.equal(res.status, 400, `${reason}: ${res.text}`);
      assert.equal(res.body.error.code, "invalid_request");
      assert.ok(res.body.error.message.startsWith(`${index}: `), res.body.error.message);
      assert.match(res.body.error.message, reason);
    };

    it("refuses every kind of bad package with a 400 naming it, storing none of the batch", async () => {
      const [a, b] = (await users(2)) as [TestUser, TestUser];
      const device = await calls.register(a);
      const good = await keyPackage(device);

      await refused(device, randomBytes(200), /does not decode/);
      await refused(device, good.subarray(0, good.length - 10), /does not decode/);
      await refused(device, Buffer.concat([good, Buffer.from([0])]), /1 bytes follow/);
      // The cipher suite is the uint16 after the version: 1 becomes 3.
      const otherSuite = Buffer.from(good);
      otherSuite[3] = 3;
      await refused(device, otherSuite, /cipher suite/);
      const flipped = Buffer.from(good);
      flipped[flipped.length - 1] = (flipped.at(-1) ?? 0) ^ 1;
      await refused(device, flipped, /signature does not verify/);
      // One byte of the init key changed: what was signed is no longer what is sent.
      const tampered = Buffer.from(good);
      tampered[8] = (tampered[8] ?? 0) ^ 0x80;
      await refused(device, tampered, /signature does not verify/);
      await refused(
        device,
        await keyPackage(device, { keys: await newKeys() }),
        /not the device's/,
      );
      const otherDevice = await calls.register(b);
      await refused(
        device,
        await keyPackage(device, { identity: `${b.id}:${otherDevice.id}` }),
        /credential is not a basic one/,
      );
      await refused(device, await keyPackage(device, { notAfter: -10 }), /lifetime has ended/);
      await refused(device, await keyPackage(device, { notAfter: 40 * DAY }), /30 days/);
      await refused(device, await keyPackage(device, { notBefore: DAY }), /not begun/);
      const res = await calls.upload(device, [], "!!");
      assert.equal(res.status, 400, "not base64url");

      const [listed] = await mine(a);
      assert.equal(listed?.unused_key_packages, 0, "nothing of a refused batch stays");
    });

    it("refuses a package twice, and more than 100 unused ones a device", async () => {
      const [a] = (await users(1)) as [TestUser];
      const device = await calls.register(a);
      const [one] = await keyPackages(device, 1);
      assert.equal((await calls.upload(device, [one as string])).status, 200);
      const again = await calls.upload(device, [one as string]);
      assert.equal(again.status, 400);
      assert.match(again.body.error.message, /^key_packages\[0\]: it was uploaded already/);
      const twice = await keyPackages(device, 1);
      const inBatch = await calls.upload(device, [twice[0] as string, twice[0] as string]);
      assert.equal(inBatch.status, 400);
      assert.match(inBatch.body.error.message, /^key_packages\[1\]/);

      const hundred = await keyPackages(device, 100);
      const tooMany = await calls.upload(device, hundred);
      assert.equal(tooMany.status, 400, tooMany.text);
      assert.match(tooMany.body.error.message, /at most 100 unused key packages; it has 1/);
      const fits = await calls.upload(device, hundred.slice(0, 99));
      assert.deepEqual(fits.body, { unused_key_packages: 100, has_last_resort: false });
      const full = await calls.upload(device, await keyPackages(device, 1));
      assert.equal(full.status, 400);
      const batch = await calls.upload(device, await keyPackages(device, 101));
      assert.equal(batch.status, 400, "a batch over 100 fails its schema");
    });
  });
});
