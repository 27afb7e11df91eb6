/**
 * A push subscription belongs to the session that made it: sign-out, revoking the
 * session, a password change (which ends the other sessions) and disabling the account
 * remove it.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { before, it } from "node:test";
import { ApiClient } from "@private-chat/sdk";
import { generateVapidKeys } from "../../src/push/vapid-keys.js";
import { apiSuite } from "../helpers/api-suite.js";
import { forEachEngine } from "../helpers/engines.js";
import type { TestUser } from "../helpers/factories.js";
import { makeSubscriberKeys } from "../helpers/push-double.js";

const V1 = "/api/v1";

forEachEngine("Web Push subscriptions and sessions", { redis: true }, (run) => {
  const keys = generateVapidKeys();
  const { started, as, users } = apiSuite(run, {
    push: {
      vapid_public_key: keys.publicKey,
      vapid_private_key: keys.privateKey,
      allow_private_endpoints: true,
    },
  });

  // The first account of a server is its administrator.
  let admin: TestUser | undefined;
  before(async () => {
    [admin] = await users(1);
  });

  // Nothing is sent in these tests: the endpoint is only checked for its address.
  async function subscribe(token: string): Promise<string> {
    const subscriber = makeSubscriberKeys();
    const res = await started().api.post(
      `${V1}/push/subscriptions`,
      {
        endpoint: `https://127.0.0.1:9/push/${randomBytes(8).toString("hex")}`,
        keys: {
          p256dh: subscriber.publicKey.toString("base64url"),
          auth: subscriber.auth.toString("base64url"),
        },
      },
      { token },
    );
    assert.equal(res.status, 201, res.text);
    return res.body.id;
  }

  async function ids(token: string): Promise<string[]> {
    const res = await started().api.get(`${V1}/push/subscriptions`, { token });
    assert.equal(res.status, 200, res.text);
    return (res.body.subscriptions as { id: string }[]).map((s) => s.id).sort();
  }

  async function login(user: TestUser): Promise<string> {
    const res = await started().api.post(`${V1}/auth/login`, {
      username: user.username,
      password: user.password,
    });
    assert.equal(res.status, 200, res.text);
    return res.body.token;
  }

  async function sessionId(token: string): Promise<string> {
    const res = await started().api.get(`${V1}/sessions`, { token });
    return (
      (res.body.sessions as { id: string; current: boolean }[]).find((s) => s.current)?.id ?? ""
    );
  }

  it("signing out removes that session's subscription, and only it", async () => {
    const [user] = await users(1);
    assert.ok(user);
    const other = await login(user);
    const mine = await subscribe(user.token);
    const theirs = await subscribe(other);
    assert.equal(
      (await started().api.post(`${V1}/auth/logout`, undefined, { token: other })).status,
      204,
    );
    assert.deepEqual(await ids(user.token), [mine]);
    assert.notEqual(mine, theirs);
  });

  it("revoking a session removes its subscription", async () => {
    const [user] = await users(1);
    assert.ok(user);
    const other = await login(user);
    const mine = await subscribe(user.token);
    await subscribe(other);
    const revoked = await started().api.delete(
      `${V1}/sessions/${await sessionId(other)}`,
      as(user),
    );
    assert.equal(revoked.status, 204, revoked.text);
    assert.deepEqual(await ids(user.token), [mine]);
  });

  it("a password change removes the other sessions' subscriptions", async () => {
    const [user] = await users(1);
    assert.ok(user);
    const other = await login(user);
    const mine = await subscribe(user.token);
    await subscribe(other);
    const changed = await started().api.post(
      `${V1}/auth/password`,
      { current_password: user.password, new_password: `${user.password}-2` },
      as(user),
    );
    assert.equal(changed.status, 204, changed.text);
    assert.deepEqual(await ids(user.token), [mine]);
  });

  it("disabling the account removes every subscription", async () => {
    const [user] = await users(1);
    assert.ok(user);
    assert.ok(admin);
    const adminToken = admin.token;
    await subscribe(user.token);
    await subscribe(await login(user));
    const disabled = await started().api.patch(
      `${V1}/admin/users/${user.id}`,
      { disabled: true },
      { token: adminToken },
    );
    assert.equal(disabled.status, 200, disabled.text);
    const enabled = await started().api.patch(
      `${V1}/admin/users/${user.id}`,
      { disabled: false },
      { token: adminToken },
    );
    assert.equal(enabled.status, 200, enabled.text);
    assert.deepEqual(await ids(await login(user)), []);
  });

  it("the SDK gets the key and registers, lists and removes subscriptions", async () => {
    const [user] = await users(1);
    assert.ok(user);
    const sdk = new ApiClient({ baseUrl: started().server.url, token: user.token });
    assert.equal(await sdk.push.key(), keys.publicKey);
    const subscriber = makeSubscriberKeys();
    const created = await sdk.push.subscribe({
      endpoint: "https://127.0.0.1:9/push/sdk",
      expirationTime: null,
      keys: {
        p256dh: subscriber.publicKey.toString("base64url"),
        auth: subscriber.auth.toString("base64url"),
      },
    });
    assert.equal(created.endpoint, "https://127.0.0.1:9/push/sdk");
    assert.deepEqual(
      (await sdk.push.subscriptions()).map((s) => s.id),
      [created.id],
    );
    await sdk.push.unsubscribe(created.id);
    assert.deepEqual(await sdk.push.subscriptions(), []);
  });
});
