/**
 * Claiming key packages over REST, on both engines: one package per device, none ever
 * handed out twice (also under concurrent claims), the last-resort package given and kept
 * once the pool is empty, one device's package alone on request, expired packages
 * skipped and deleted (and swept hourly), a
 * claimer's budget, blocks, and an account's deletion taking its devices and packages
 * with it.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { before, it } from "node:test";
import type { ClaimedKeyPackagesResponse } from "@private-chat/protocol/devices";
import { apiSuite } from "../helpers/api-suite.js";
import { forEachEngine } from "../helpers/engines.js";
import type { TestUser } from "../helpers/factories.js";
import type { client } from "../helpers/http.js";
import type { TestServer } from "../helpers/server.js";
import { connect } from "../helpers/socket.js";
import { deviceCalls, keyPackages, V1 } from "./devices-fixture.js";

type Claimed = ClaimedKeyPackagesResponse["key_packages"];

forEachEngine("key-package claims", (run) => {
  let api: ReturnType<typeof client>;
  let server: TestServer;
  let calls: ReturnType<typeof deviceCalls>;
  const { started, as, users } = apiSuite(run);
  before(() => {
    ({ api, server } = started());
    calls = deviceCalls(api);
  });
  const rows = async (table: "devices" | "key_packages", column: string, value: string) =>
    (
      await server.ctx.store.db
        .selectFrom(table)
        .selectAll()
        .where(column as "id", "=", value)
        .execute()
    ).length;

  it("gives one package per device, each once, then the last-resort one, which stays", async () => {
    const [owner, claimer] = (await users(2)) as [TestUser, TestUser];
    const laptop = await calls.register(owner, "laptop");
    const phone = await calls.register(owner, "phone");
    const empty = await calls.register(owner, "new tablet");
    const laptopPackages = await keyPackages(laptop, 2);
    const [laptopLast] = await keyPackages(laptop, 1);
    assert.equal((await calls.upload(laptop, laptopPackages, laptopLast)).status, 200);
    assert.equal((await calls.upload(phone, await keyPackages(phone, 1))).status, 200);

    const first = await calls.claim(claimer, owner);
    assert.equal(first.status, 200, first.text);
    const got: Claimed = first.body.key_packages;
    assert.deepEqual(got.map((k) => k.device_id).sort(), [laptop.id, phone.id].sort());
    assert.ok(!got.some((k) => k.device_id === empty.id), "a device with none is left out");
    assert.ok(got.every((k) => !k.last_resort));
    const fromLaptop = () => got.find((k) => k.device_id === laptop.id)?.key_package;
    assert.equal(fromLaptop(), laptopPackages[0], "the oldest first");

    const second: Claimed = (await calls.claim(claimer, owner)).body.key_packages;
    assert.deepEqual(second, [
      { device_id: laptop.id, key_package: laptopPackages[1], last_resort: false },
    ]);
    for (let i = 0; i < 2; i++) {
      const last: Claimed = (await calls.claim(claimer, owner)).body.key_packages;
      assert.deepEqual(last, [
        { device_id: laptop.id, key_package: laptopLast, last_resort: true },
      ]);
    }
    const listed = await api.get(`${V1}/devices`, as(owner));
    const laptopNow = listed.body.devices.find((d: { id: string }) => d.id === laptop.id);
    assert.equal(laptopNow.unused_key_packages, 0);
    assert.equal(laptopNow.has_last_resort, true);
  });

  it("claims one device's package alone with device_id, and nothing for another's device", async () => {
    const [owner, other, claimer] = (await users(3)) as [TestUser, TestUser, TestUser];
    const laptop = await calls.register(owner, "laptop");
    const phone = await calls.register(owner, "phone");
    const elsewhere = await calls.register(other, "theirs");
    for (const device of [laptop, phone, elsewhere])
      assert.equal((await calls.upload(device, await keyPackages(device, 2))).status, 200);

    const one = await calls.claim(claimer, owner, phone.id);
    assert.equal(one.status, 200, one.text);
    assert.deepEqual(
      (one.body.key_packages as Claimed).map((k) => k.device_id),
      [phone.id],
    );
    // The laptop's pool was not touched: both of its packages are there.
    const listed = await api.get(`${V1}/devices`, as(owner));
    const count = (id: string) =>
      listed.body.devices.find((d: { id: string }) => d.id === id).unused_key_packages;
    assert.deepEqual([count(laptop.id), count(phone.id)], [2, 1]);

    for (const id of [elsewhere.id, "no-such-device"]) {
      const none = await calls.claim(claimer, owner, id);
      assert.equal(none.status, 200, none.text);
      assert.deepEqual(none.body.key_packages, []);
    }
    for (const bad of ["", "x".repeat(65)]) {
      const refused = await calls.claim(claimer, owner, bad);
      assert.equal(refused.status, 400, refused.text);
      assert.equal(refused.body.error.code, "invalid_request");
    }
  });

  it("never hands out a package twice to 20 concurrent claims on a pool of 5", async () => {
    const [owner, ...claimers] = (await users(6)) as TestUser[];
    if (!owner) throw new Error("no owner");
    const device = await calls.register(owner);
    const pool = await keyPackages(device, 5);
    const [last] = await keyPackages(device, 1);
    assert.equal((await calls.upload(device, pool, last)).status, 200);

    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        calls.claim(claimers[i % claimers.length] ?? owner, owner),
      ),
    );
    for (const a of answers) assert.equal(a.status, 200, a.text);
    const handed = answers.flatMap((a) => a.body.key_packages as Claimed);
    assert.equal(handed.length, 20);
    const fresh = handed.filter((k) => !k.last_resort).map((k) => k.key_package);
    assert.equal(new Set(fresh).size, fresh.length, "no package twice");
    assert.deepEqual([...fresh].sort(), [...pool].sort(), "each of the pool once");
    assert.ok(handed.filter((k) => k.last_resort).every((k) => k.key_package === last));
    assert.equal(await rows("key_packages", "device_id", device.id), 1, "only the last resort");
  });

  it("tells the owner's sockets when a claim leaves a device fewer than 10 packages", async () => {
    const [owner, claimer] = (await users(2)) as [TestUser, TestUser];
    const device = await calls.register(owner);
    assert.equal((await calls.upload(device, await keyPackages(device, 11))).status, 200);
    const socket = await connect(server.url, owner.token);
    try {
      assert.equal((await calls.claim(claimer, owner)).status, 200);
      assert.equal((await calls.claim(claimer, owner)).status, 200);
      const low = await socket.next((f) => f.type === "device.key_packages_low");
      assert.equal(low.device_id, device.id);
      assert.equal(low.remaining, 9, "10 left after the first claim: not low yet");
      assert.equal(low.conversation_id, null);
      assert.equal(socket.all("device.key_packages_low").length, 1);
    } finally {
      await socket.close();
    }
    const sync = await api.get(`${V1}/sync?since=0`, as(owner));
    const synced = sync.body.events.filter(
      (e: { type: string }) => e.type === "device.key_packages_low",
    );
    assert.deepEqual(
      synced.map((e: { remaining: number }) => e.remaining),
      [9],
    );
    const others = await api.get(`${V1}/sync?since=0`, as(claimer));
    assert.ok(!others.body.events.some((e: { type: string }) => e.type.startsWith("device.")));
  });

  it("skips and deletes packages whose lifetime has ended", async () => {
    const [owner, claimer] = (await users(2)) as [TestUser, TestUser];
    const device = await calls.register(owner);
    const [fresh] = await keyPackages(device, 1);
    const [stale] = await keyPackages(device, 1);
    const now = Date.now();
    // Uploaded while valid; its lifetime has ended since (written as the store would).
    await server.ctx.store.devices.addKeyPackages(
      device.id,
      [{ id: randomUUID(), ref: randomUUID(), keyPackage: stale as string, notAfter: now - 1 }],
      undefined,
      now - 1000,
    );
    assert.equal((await calls.upload(device, [fresh as string])).status, 200);
    const got: Claimed = (await calls.claim(claimer, owner)).body.key_packages;
    assert.deepEqual(
      got.map((k) => k.key_package),
      [fresh],
    );
    assert.equal(await rows("key_packages", "device_id", device.id), 0, "the stale one is gone");
  });

  it("deletes packages whose lifetime has ended in the hourly sweep, unclaimed", async () => {
    const [owner] = (await users(1)) as [TestUser];
    const device = await calls.register(owner);
    const [stale, lasting] = await keyPackages(device, 2);
    const now = Date.now();
    await server.ctx.store.devices.addKeyPackages(
      device.id,
      [
        { id: randomUUID(), ref: randomUUID(), keyPackage: stale as string, notAfter: now - 1 },
        {
          id: randomUUID(),
          ref: randomUUID(),
          keyPackage: lasting as string,
          notAfter: now + 3_600_000,
        },
      ],
      undefined,
      now - 1000,
    );
    const report = await server.ctx.retention.sweep();
    assert.ok(report.key_packages >= 1, JSON.stringify(report));
    assert.equal(await rows("key_packages", "device_id", device.id), 1, "the lasting one stays");
  });

  it("limits a claimer to 10 claims of one person at once (429), refuses across a block, 404 for nobody", async () => {
    const [owner, claimer, blocker] = (await users(3)) as [TestUser, TestUser, TestUser];
    for (let i = 0; i < 10; i++) {
      assert.equal((await calls.claim(claimer, owner)).status, 200);
    }
    const over = await calls.claim(claimer, owner);
    assert.equal(over.status, 429);
    assert.equal(over.body.error.code, "rate_limited");
    assert.ok(Number(over.headers.get("retry-after")) >= 1);
    // Others' packages stay open to the claimer: a group of many is made at once.
    assert.equal((await calls.claim(claimer, blocker)).status, 200);

    assert.equal((await api.post(`${V1}/blocks`, { user_id: owner.id }, as(blocker))).status, 201);
    const blocked = await calls.claim(owner, blocker);
    assert.equal(blocked.status, 403);
    assert.equal(blocked.body.error.code, "not_accepting");
    const nobody = await api.post(
      `${V1}/users/${randomUUID()}/key-packages/claim`,
      undefined,
      as(owner),
    );
    assert.equal(nobody.status, 404);
  });

  it("deletes an account's devices and key packages with the account", async () => {
    const [leaver, other] = (await users(2)) as [TestUser, TestUser];
    const device = await calls.register(leaver);
    const [last] = await keyPackages(device, 1);
    assert.equal((await calls.upload(device, await keyPackages(device, 3), last)).status, 200);
    assert.equal(await rows("key_packages", "device_id", device.id), 4);
    const gone = await api.delete(`${V1}/me`, {
      ...as(leaver),
      body: { password: leaver.password },
    });
    assert.equal(gone.status, 204, gone.text);
    assert.equal(await rows("devices", "user_id", leaver.id), 0);
    assert.equal(await rows("key_packages", "device_id", device.id), 0);
    const seen = await api.get(`${V1}/users/${leaver.id}/devices`, as(other));
    assert.ok(seen.status === 404 || seen.body.devices.length === 0, seen.text);
  });
});
