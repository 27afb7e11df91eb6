import assert from "node:assert/strict";
import { after, before, it } from "node:test";
import { forEachEngine } from "../helpers/engines.js";
import { createUser, type TestUser, uniqueUsername } from "../helpers/factories.js";
import { client } from "../helpers/http.js";
import type { TestServer } from "../helpers/server.js";
import { connect } from "../helpers/socket.js";

forEachEngine("admin API: accounts", { redis: true }, ({ start }) => {
  let server: TestServer;
  let api: ReturnType<typeof client>;
  let admin: TestUser;
  let member: TestUser;

  before(async () => {
    server = await start();
    api = client(server.url);
    admin = await createUser(server.url);
    member = await createUser(server.url);
  });
  after(() => server.stop());

  async function login(username: string, password: string) {
    return api.post("/api/v1/auth/login", { username, password });
  }

  it("turns away a missing token with 401 and a non-admin with 403 on every endpoint", async () => {
    const endpoints: [string, string, unknown?][] = [
      ["GET", "/api/v1/admin/users"],
      ["POST", "/api/v1/admin/users", { username: uniqueUsername() }],
      ["PATCH", `/api/v1/admin/users/${member.id}`, { is_admin: true }],
      ["POST", `/api/v1/admin/users/${member.id}/reset-password`],
      ["DELETE", `/api/v1/admin/users/${member.id}`],
      ["GET", "/api/v1/admin/invites"],
      ["POST", "/api/v1/admin/invites", {}],
      ["DELETE", "/api/v1/admin/invites/some-id"],
      ["POST", "/api/v1/admin/sessions/revoke-all"],
      ["GET", "/api/v1/admin/audit"],
    ];
    const http = (method: string, path: string, body: unknown, token?: string) => {
      const options = token ? { token } : {};
      if (method === "GET") return api.get(path, options);
      if (method === "DELETE") return api.delete(path, options);
      if (method === "PATCH") return api.patch(path, body, options);
      return api.post(path, body, options);
    };
    for (const [method, path, body] of endpoints) {
      const anonymous = await http(method, path, body);
      assert.equal(anonymous.status, 401, `${method} ${path} without a token`);
      assert.equal(anonymous.body.error.code, "unauthorized");
      const refused = await http(method, path, body, member.token);
      assert.equal(refused.status, 403, `${method} ${path} as a member`);
      assert.equal(refused.body.error.code, "forbidden");
    }
    // Nothing a member tried took effect.
    const me = await api.get("/api/v1/me", { token: member.token });
    assert.equal(me.status, 200);
    assert.equal(me.body.user.is_admin, false);
  });

  it("lists every account with its flags, filtered by prefix", async () => {
    const all = await api.get("/api/v1/admin/users", { token: admin.token });
    assert.equal(all.status, 200);
    const found = all.body.users.find((u: { id: string }) => u.id === member.id);
    assert.deepEqual(Object.keys(found).sort(), [
      "created_at",
      "deleted_at",
      "disabled",
      "display_name",
      "id",
      "is_admin",
      "is_bot",
      "last_seen_at",
      "owner_id",
      "second_factor",
      "username",
    ]);
    assert.equal(found.disabled, false);
    const byPrefix = await api.get(
      `/api/v1/admin/users?q=${member.username.slice(0, 8).toUpperCase()}`,
      { token: admin.token },
    );
    assert.deepEqual(
      byPrefix.body.users.map((u: { id: string }) => u.id),
      [member.id],
    );
    const bad = await api.get("/api/v1/admin/users?limit=0", { token: admin.token });
    assert.equal(bad.status, 400);
  });

  it("creates accounts, generating a password when none is given", async () => {
    const username = uniqueUsername("made");
    const created = await api.post(
      "/api/v1/admin/users",
      { username, is_admin: true, display_name: "Made By Admin" },
      { token: admin.token },
    );
    assert.equal(created.status, 201);
    assert.equal(created.body.user.username, username);
    assert.equal(created.body.user.is_admin, true);
    assert.equal(created.body.user.display_name, "Made By Admin");
    assert.equal(typeof created.body.password, "string");
    assert.equal((await login(username, created.body.password)).status, 200);

    const chosen = await api.post(
      "/api/v1/admin/users",
      { username: uniqueUsername("chosen"), password: "chosen password" },
      { token: admin.token },
    );
    assert.equal(chosen.status, 201);
    assert.equal(chosen.body.user.is_admin, false);
    assert.equal(chosen.body.password, undefined);

    const taken = await api.post(
      "/api/v1/admin/users",
      { username: username.toUpperCase() },
      { token: admin.token },
    );
    assert.equal(taken.status, 409);
    assert.equal(taken.body.error.code, "username_taken");
    const invalid = await api.post(
      "/api/v1/admin/users",
      { username: "no spaces allowed" },
      { token: admin.token },
    );
    assert.equal(invalid.body.error.code, "invalid_username");
    const unknown = await api.post(
      "/api/v1/admin/users",
      { username: uniqueUsername(), role: "admin" },
      { token: admin.token },
    );
    assert.equal(unknown.body.error.code, "unknown_fields");
  });

  it("disabling closes the user's socket with 4401 and ends their token at once", async () => {
    const target = await createUser(server.url);
    const socket = await connect(server.url, target.token);
    const disabled = await api.patch(
      `/api/v1/admin/users/${target.id}`,
      { disabled: true },
      { token: admin.token },
    );
    assert.equal(disabled.status, 200);
    assert.equal(disabled.body.user.disabled, true);
    assert.equal((await socket.closed).code, 4401);

    const me = await api.get("/api/v1/me", { token: target.token });
    assert.equal(me.status, 401);
    assert.equal(me.body.error.code, "session_revoked");
    const refused = await login(target.username, target.password);
    assert.equal(refused.status, 403);
    assert.equal(refused.body.error.code, "account_disabled");

    const enabled = await api.patch(
      `/api/v1/admin/users/${target.id}`,
      { disabled: false },
      { token: admin.token },
    );
    assert.equal(enabled.body.user.disabled, false);
    assert.equal((await login(target.username, target.password)).status, 200);
  });

  it("authentication refuses a disabled account even while its session is still live", async () => {
    const target = await createUser(server.url);
    // The flag alone, as if set by hand: the session row is untouched.
    await server.ctx.store.users.setDisabled(target.id, true);
    const me = await api.get("/api/v1/me", { token: target.token });
    assert.equal(me.status, 403);
    assert.equal(me.body.error.code, "account_disabled");
    const refused = await connect(server.url, target.token, { ready: false });
    assert.equal((await refused.closed).code, 4401);
    await server.ctx.store.users.setDisabled(target.id, false);
    assert.equal((await api.get("/api/v1/me", { token: target.token })).status, 200);
  });

  it("promotes and demotes, and the change applies to the next request", async () => {
    const target = await createUser(server.url);
    const promoted = await api.patch(
      `/api/v1/admin/users/${target.id}`,
      { is_admin: true },
      { token: admin.token },
    );
    assert.equal(promoted.body.user.is_admin, true);
    assert.equal((await api.get("/api/v1/admin/users", { token: target.token })).status, 200);
    const demoted = await api.patch(
      `/api/v1/admin/users/${target.id}`,
      { is_admin: false },
      { token: admin.token },
    );
    assert.equal(demoted.body.user.is_admin, false);
    assert.equal((await api.get("/api/v1/admin/users", { token: target.token })).status, 403);

    const empty = await api.patch(`/api/v1/admin/users/${target.id}`, {}, { token: admin.token });
    assert.equal(empty.status, 400);
    const missing = await api.patch(
      "/api/v1/admin/users/no-such-user",
      { disabled: true },
      { token: admin.token },
    );
    assert.equal(missing.status, 404);
  });

  it("refuses to let an admin disable or demote themselves", async () => {
    for (const body of [
      { disabled: true },
      { is_admin: false },
      { disabled: true, is_admin: true },
    ]) {
      const res = await api.patch(`/api/v1/admin/users/${admin.id}`, body, { token: admin.token });
      assert.equal(res.status, 400);
      assert.equal(res.body.error.code, "invalid_request");
      assert.match(res.body.error.message, /your own/);
    }
    const me = await api.get("/api/v1/me", { token: admin.token });
    assert.equal(me.body.user.is_admin, true);
  });

  it("resets a password: the new one works, the old one and every session do not", async () => {
    const target = await createUser(server.url);
    const socket = await connect(server.url, target.token);
    const reset = await api.post(`/api/v1/admin/users/${target.id}/reset-password`, undefined, {
      token: admin.token,
    });
    assert.equal(reset.status, 200);
    assert.equal(typeof reset.body.password, "string");
    assert.equal((await socket.closed).code, 4401);
    assert.equal((await api.get("/api/v1/me", { token: target.token })).status, 401);
    assert.equal((await login(target.username, target.password)).status, 401);
    assert.equal((await login(target.username, reset.body.password)).status, 200);

    const chosen = await api.post(
      `/api/v1/admin/users/${target.id}/reset-password`,
      { password: "picked by admin" },
      { token: admin.token },
    );
    assert.equal(chosen.body.password, "picked by admin");
    assert.equal((await login(target.username, "picked by admin")).status, 200);
    const tooShort = await api.post(
      `/api/v1/admin/users/${target.id}/reset-password`,
      { password: "short" },
      { token: admin.token },
    );
    assert.equal(tooShort.body.error.code, "invalid_password");
  });
});
