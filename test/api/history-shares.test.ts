/**
 * The mailbox of history shares over REST, on both engines: a person leaves a sealed
 * archive for another of their devices, which lists, reads and deletes it; nobody else
 * reaches it (another person's device is 404 as one that does not exist, a stranger learns
 * nothing), sizes and the number waiting are limited, a deleted share leaves no bytes
 * behind (on SQLite not even in the database file), and the retention sweep removes
 * shares past their expiry. The server checks sizes only, so random bytes stand for the
 * sealed parts here; the SDK's sealing is tested in test/e2ee/history-share.test.ts.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { before, it } from "node:test";
import {
  HISTORY_SHARE_MAX_BYTES,
  HISTORY_SHARE_TTL_MS,
} from "@private-chat/protocol/history-shares";
import { AppError } from "../../src/errors.js";
import { HistoryShareService } from "../../src/history-shares/service.js";
import { withoutHash } from "../../src/storage/users.js";
import { apiSuite } from "../helpers/api-suite.js";
import { forEachEngine } from "../helpers/engines.js";
import type { TestUser } from "../helpers/factories.js";
import type { client } from "../helpers/http.js";
import type { TestServer } from "../helpers/server.js";
import { deviceCalls, type TestDevice, V1 } from "./devices-fixture.js";
import { erasureChecks } from "./erasure-fixture.js";
import { b64, nonCanonical } from "./key-backup-fixture.js";

/** A share as a device would send it: random bytes of the right sizes. */
function shareBody(from: TestDevice, archiveBytes = 256) {
  return {
    from_device_id: from.id,
    key_package_ref: b64(randomBytes(32)),
    enc: b64(randomBytes(32)),
    wrapped_key: b64(randomBytes(48)),
    archive: b64(randomBytes(archiveBytes)),
    signature: b64(randomBytes(64)),
  };
}

forEachEngine("history shares API", (run) => {
  let server: TestServer;
  let api: ReturnType<typeof client>;
  let devices: ReturnType<typeof deviceCalls>;
  const { started, as, users } = apiSuite(run);
  const { fileBytes } = erasureChecks(started);
  before(() => {
    ({ server, api } = started());
    devices = deviceCalls(api);
  });
  const errorOf = (res: { status: number; body: any }) => [res.status, res.body?.error?.code];
  const sharesOf = (device: TestDevice) => `${V1}/devices/${device.id}/history-shares`;
  const post = (user: TestUser, to: TestDevice, body: unknown) =>
    api.post(sharesOf(to), body, as(user));
  /** Two devices of one new person: the one that shares and the one it shares with. */
  const pair = async () => {
    const [a] = (await users(1)) as [TestUser];
    return { a, old: await devices.register(a, "old"), fresh: await devices.register(a, "new") };
  };
  /** Whether the database file (SQLite; always false on PostgreSQL) holds the text. */
  const inFile = async (text: string) => (await fileBytes())?.includes(text) ?? false;

  it("is left by one device, listed, read and deleted by the other, its bytes with it", async () => {
    const { a, old, fresh } = await pair();
    const body = shareBody(old);
    const made = await post(a, fresh, body);
    assert.equal(made.status, 201, made.text);
    assert.equal(made.body.from_device_id, old.id);
    assert.equal(made.body.to_device_id, fresh.id);
    assert.equal(made.body.bytes, 256);
    assert.equal(made.body.expires_at - made.body.created_at, HISTORY_SHARE_TTL_MS);

    const list = await api.get(sharesOf(fresh), as(a));
    assert.equal(list.status, 200, list.text);
    assert.deepEqual(list.body, { shares: [made.body] });
    // The sending device has nothing waiting for it.
    assert.deepEqual((await api.get(sharesOf(old), as(a))).body, { shares: [] });

    const one = await api.get(`${sharesOf(fresh)}/${made.body.id}`, as(a));
    assert.equal(one.status, 200, one.text);
    assert.deepEqual(one.body, { ...made.body, ...body });
    assert.equal(await inFile(body.archive), run.engine === "sqlite");

    const gone = await api.delete(`${sharesOf(fresh)}/${made.body.id}`, as(a));
    assert.equal(gone.status, 204, gone.text);
    assert.deepEqual((await api.get(sharesOf(fresh), as(a))).body, { shares: [] });
    assert.deepEqual(errorOf(await api.get(`${sharesOf(fresh)}/${made.body.id}`, as(a))), [
      404,
      "not_found",
    ]);
    assert.deepEqual(errorOf(await api.delete(`${sharesOf(fresh)}/${made.body.id}`, as(a))), [
      404,
      "not_found",
    ]);
    for (const text of [body.archive, body.signature, body.wrapped_key])
      assert.equal(await inFile(text), false, text);
  });

  it("reaches only the owner's own devices: anyone else's is 404, as one that is not there", async () => {
    const { a, old, fresh } = await pair();
    const [b] = (await users(1)) as [TestUser];
    const bDevice = await devices.register(b, "b's");
    const made = await post(a, fresh, shareBody(old));
    assert.equal(made.status, 201, made.text);
    const share = `${sharesOf(fresh)}/${made.body.id}`;

    // Another person reaches neither the mailbox nor the share, as if neither existed.
    const missing = `${V1}/devices/no-such-device/history-shares`;
    for (const [res, expected] of [
      [await api.get(sharesOf(fresh), as(b)), await api.get(missing, as(b))],
      [await api.get(share, as(b)), await api.get(`${missing}/${made.body.id}`, as(b))],
      [await api.delete(share, as(b)), await api.delete(`${missing}/${made.body.id}`, as(b))],
      [
        await post(b, fresh, shareBody(bDevice)),
        await api.post(missing, shareBody(bDevice), as(b)),
      ],
    ] as const) {
      assert.deepEqual(errorOf(res), [404, "not_found"]);
      assert.deepEqual(res.body, expected.body);
    }
    // Nor may they send as one of theirs to one of hers, or as hers to one of theirs.
    assert.deepEqual(errorOf(await post(b, bDevice, shareBody(old))), [404, "not_found"]);
    assert.deepEqual(errorOf(await post(a, fresh, shareBody(bDevice))), [404, "not_found"]);
    // Without a session, nothing.
    assert.equal((await api.get(sharesOf(fresh))).status, 401);
    // The share is still hers, untouched.
    assert.equal((await api.get(share, as(a))).status, 200);
  });

  it("refuses bad shapes with a clear error, and a device sharing with itself", async () => {
    const { a, old, fresh } = await pair();
    const self = await post(a, old, shareBody(old));
    assert.deepEqual(errorOf(self), [400, "invalid_request"]);
    assert.match(self.body.error.message, /cannot share history with itself/);
    const ref = b64(randomBytes(32));
    const cases: [string, unknown, string][] = [
      [
        "key_package_ref",
        { ...shareBody(old), key_package_ref: nonCanonical(ref) },
        "invalid_request",
      ],
      ["archive", { ...shareBody(old), archive: `${"A".repeat(40)}!` }, "invalid_request"],
      ["signature", { ...shareBody(old), signature: undefined }, "invalid_request"],
      ["extra", { ...shareBody(old), extra: 1 }, "unknown_fields"],
    ];
    for (const [what, body, code] of cases) {
      const res = await post(a, fresh, body);
      assert.deepEqual(errorOf(res), [400, code], what);
      assert.equal(typeof res.body.error.message, "string");
    }
    // Too large: one byte past the limit.
    const big = await post(a, fresh, shareBody(old, HISTORY_SHARE_MAX_BYTES + 1));
    assert.ok([400, 413].includes(big.status), big.text);
    assert.equal((await api.get(sharesOf(fresh), as(a))).body.shares.length, 0);
  });

  it("keeps at most the limit waiting for one device (the service with a small limit)", async () => {
    const { a, old, fresh } = await pair();
    const user = withoutHash((await server.ctx.store.users.byId(a.id)) ?? assert.fail("no user"));
    const service = new HistoryShareService(server.ctx.store, { pendingMax: 2 });
    await service.create(user, fresh.id, shareBody(old));
    await service.create(user, fresh.id, shareBody(old));
    await assert.rejects(
      service.create(user, fresh.id, shareBody(old)),
      (err) => err instanceof AppError && err.code === "quota_exceeded" && err.status === 413,
    );
    // Another device's mailbox is its own.
    await service.create(user, old.id, shareBody(fresh));
    const [first] = await service.list(user, fresh.id);
    await service.remove(user, fresh.id, first?.id ?? assert.fail("none listed"));
    await service.create(user, fresh.id, shareBody(old));
  });

  it("goes with either device, and expires: the retention sweep removes it", async () => {
    const { a, old, fresh } = await pair();
    const kept = shareBody(old);
    const made = await post(a, fresh, kept);
    assert.equal(made.status, 201, made.text);
    const report = await server.ctx.retention.sweep(made.body.expires_at);
    assert.ok(report.history_shares >= 1);
    assert.deepEqual((await api.get(sharesOf(fresh), as(a))).body, { shares: [] });
    assert.equal(await inFile(kept.archive), false);

    // Removing the sending device removes what it left.
    const left = shareBody(old);
    assert.equal((await post(a, fresh, left)).status, 201);
    assert.equal((await api.delete(`${V1}/devices/${old.id}`, as(a))).status, 204);
    assert.deepEqual((await api.get(sharesOf(fresh), as(a))).body, { shares: [] });
    const rows = await server.ctx.store.db
      .selectFrom("history_shares")
      .select("id")
      .where("user_id", "=", a.id)
      .execute();
    assert.equal(rows.length, 0);
  });
});
