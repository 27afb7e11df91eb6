import assert from "node:assert/strict";
import { after, before, it } from "node:test";
import { CLI_ACTOR } from "../../src/admin/actors.js";
import { AdminService } from "../../src/admin/service.js";
import { forEachEngine } from "../helpers/engines.js";
import { createUser, type TestUser, uniqueUsername } from "../helpers/factories.js";
import { client } from "../helpers/http.js";
import type { TestServer } from "../helpers/server.js";
import { connect } from "../helpers/socket.js";

/** An admin made the way `chat-server user create --admin` makes one, then signed in. */
async function seedAdmin(server: TestServer): Promise<TestUser> {
  const username = uniqueUsername("root");
  const password = "admin password";
  const { user } = await new AdminService({ store: server.ctx.store }).createUser(CLI_ACTOR, {
    username,
    password,
    admin: true,
  });
  const login = await client(server.url).post("/api/v1/auth/login", { username, password });
  assert.equal(login.status, 200);
  return { id: user.id, username, password, token: login.body.token };
}

forEachEngine("admin API: invites, sessions and the audit log", { redis: true }, ({ start }) => {
  let server: TestServer;
  let api: ReturnType<typeof client>;
  let admin: TestUser;

  before(async () => {
    server = await start({ auth: { registration: "invite" } });
    api = client(server.url);
    admin = await seedAdmin(server);
  });
  after(() => server.stop());

  it("creates invites that register one account, lists them and revokes unused ones", async () => {
    const created = await api.post(
      "/api/v1/admin/invites",
      { expires_in_hours: 2 },
      { token: admin.token },
    );
    assert.equal(created.status, 201);
    assert.equal(created.body.invite.status, "active");
    assert.equal(created.body.invite.created_by, admin.id);
    assert.ok(created.body.invite.expires_at > Date.now() + 3_600_000);
    const joined = await createUser(server.url, { invite_code: created.body.code });

    const withDefaults = await api.post("/api/v1/admin/invites", undefined, {
      token: admin.token,
    });
    assert.equal(withDefaults.status, 201);
    const revoked = await api.delete(`/api/v1/admin/invites/${withDefaults.body.invite.id}`, {
      token: admin.token,
    });
    assert.equal(revoked.status, 204);
    const again = await api.delete(`/api/v1/admin/invites/${withDefaults.body.invite.id}`, {
      token: admin.token,
    });
    assert.equal(again.status, 404);
    const usedUp = await api.delete(`/api/v1/admin/invites/${created.body.invite.id}`, {
      token: admin.token,
    });
    assert.equal(usedUp.status, 404);
    const refused = await api.post("/api/v1/auth/register", {
      username: uniqueUsername(),
      password: "a fine password",
      invite_code: withDefaults.body.code,
    });
    assert.equal(refused.body.error.code, "invalid_invite");

    const listed = await api.get("/api/v1/admin/invites", { token: admin.token });
    assert.equal(listed.status, 200);
    const byId = new Map<string, any>(listed.body.invites.map((i: any) => [i.id, i]));
    const used = byId.get(created.body.invite.id);
    assert.equal(used.status, "used");
    assert.equal(used.used_by, joined.id);
    assert.equal(typeof used.used_at, "number");
    assert.equal(byId.get(withDefaults.body.invite.id).status, "revoked");

    for (const body of [{ expires_in_hours: 0 }, { expires_in_hours: "2" }, { code: "mine" }]) {
      const bad = await api.post("/api/v1/admin/invites", body, { token: admin.token });
      assert.equal(bad.status, 400, JSON.stringify(body));
    }
  });

  it("revoke-all ends every session and closes every socket, the caller's included", async () => {
    const users = [await createInvitedUser(), await createInvitedUser()];
    const sockets = await Promise.all(users.map((u) => connect(server.url, u.token)));
    const adminSocket = await connect(server.url, admin.token);
    const res = await api.post("/api/v1/admin/sessions/revoke-all", undefined, {
      token: admin.token,
    });
    assert.equal(res.status, 200);
    assert.ok(res.body.sessions_ended >= 3, `ended ${res.body.sessions_ended}`);
    for (const socket of [...sockets, adminSocket]) assert.equal((await socket.closed).code, 4401);
    for (const token of [...users.map((u) => u.token), admin.token]) {
      const me = await api.get("/api/v1/me", { token });
      assert.equal(me.status, 401);
      assert.equal(me.body.error.code, "session_revoked");
    }
    const login = await api.post("/api/v1/auth/login", {
      username: admin.username,
      password: admin.password,
    });
    assert.equal(login.status, 200);
    admin = { ...admin, token: login.body.token };
  });

  it("records every action with its actor, newest first, and pages back", async () => {
    const target = await createInvitedUser();
    await api.patch(`/api/v1/admin/users/${target.id}`, { is_admin: true }, { token: admin.token });
    await api.patch(`/api/v1/admin/users/${target.id}`, { disabled: true }, { token: admin.token });
    // Asking for what is already so changes nothing and records nothing.
    await api.patch(`/api/v1/admin/users/${target.id}`, { disabled: true }, { token: admin.token });
    await api.post(`/api/v1/admin/users/${target.id}/reset-password`, undefined, {
      token: admin.token,
    });

    const audit = await api.get("/api/v1/admin/audit?limit=3", { token: admin.token });
    assert.equal(audit.status, 200);
    const [reset, disable, promote] = audit.body.entries;
    assert.deepEqual(
      audit.body.entries.map((e: { action: string }) => e.action),
      ["user.reset_password", "user.disable", "user.promote"],
    );
    for (const entry of [reset, disable, promote]) {
      assert.equal(entry.actor_id, admin.id);
      assert.equal(entry.actor_label, admin.username);
      assert.equal(entry.target_type, "user");
      assert.equal(entry.target_id, target.id);
      assert.equal(entry.details.username, target.username);
    }
    assert.equal(reset.details.generated, true);
    assert.equal(JSON.stringify(reset).includes('password":"'), false);

    const older = await api.get(`/api/v1/admin/audit?limit=1000&before=${promote.id}`, {
      token: admin.token,
    });
    const actions = older.body.entries.map((e: { action: string }) => e.action);
    assert.ok(actions.includes("sessions.revoke_all"));
    assert.ok(actions.includes("invite.revoke"));
    // The seeded admin was created as `chat-server user create` would: by the CLI actor.
    const oldest = older.body.entries.at(-1);
    assert.equal(oldest.action, "user.create");
    assert.equal(oldest.actor_id, null);
    assert.equal(oldest.actor_label, "cli");
    assert.equal(oldest.target_id, admin.id);

    const bad = await api.get("/api/v1/admin/audit?limit=nope", { token: admin.token });
    assert.equal(bad.status, 400);
  });

  it("an invite for several accounts counts its uses, and the last one spends it", async () => {
    const created = await api.post(
      "/api/v1/admin/invites",
      { max_uses: 2 },
      { token: admin.token },
    );
    assert.equal(created.status, 201);
    assert.deepEqual([created.body.invite.max_uses, created.body.invite.uses], [2, 0]);
    // Two registrations race for the two uses, then a third finds it spent.
    await Promise.all([0, 1].map(() => createUser(server.url, { invite_code: created.body.code })));
    const third = await api.post("/api/v1/auth/register", {
      username: uniqueUsername(),
      password: "a fine password",
      invite_code: created.body.code,
    });
    assert.equal(third.body.error.code, "invalid_invite");
    const listed = await api.get("/api/v1/admin/invites", { token: admin.token });
    const invite = listed.body.invites.find((i: any) => i.id === created.body.invite.id);
    assert.deepEqual([invite.status, invite.uses, invite.max_uses], ["used", 2, 2]);
    const spent = await api.delete(`/api/v1/admin/invites/${invite.id}`, { token: admin.token });
    assert.equal(spent.status, 404);
    for (const max_uses of [0, 1.5, 1001, "2"]) {
      const bad = await api.post("/api/v1/admin/invites", { max_uses }, { token: admin.token });
      assert.equal(bad.status, 400, JSON.stringify(max_uses));
    }
  });

  it("lists an account's sessions and ends one or all of them, closing their sockets", async () => {
    const target = await createInvitedUser();
    const second = await api.post("/api/v1/auth/login", {
      username: target.username,
      password: target.password,
    });
    const path = `/api/v1/admin/users/${target.id}/sessions`;
    const listed = await api.get(path, { token: admin.token });
    assert.equal(listed.status, 200);
    assert.equal(listed.body.sessions.length, 2);
    assert.deepEqual(Object.keys(listed.body.sessions[0]).sort(), [
      "created_at",
      "expires_at",
      "id",
      "ip",
      "last_seen_at",
      "method",
      "user_agent",
    ]);
    assert.equal(listed.body.sessions[0].method, "password");
    const firstSocket = await connect(server.url, target.token);
    const secondSocket = await connect(server.url, second.body.token);
    const mine = await api.get("/api/v1/sessions", { token: target.token });
    const firstId = mine.body.sessions.find((s: any) => s.current).id;

    const one = await api.delete(`${path}/${firstId}`, { token: admin.token });
    assert.equal(one.status, 204);
    assert.equal((await firstSocket.closed).code, 4401);
    assert.equal((await api.get("/api/v1/me", { token: target.token })).status, 401);
    assert.equal((await api.get("/api/v1/me", { token: second.body.token })).status, 200);
    const again = await api.delete(`${path}/${firstId}`, { token: admin.token });
    assert.equal(again.status, 404);
    // A session of another account is not found through this one.
    const foreign = await api.get("/api/v1/sessions", { token: admin.token });
    const adminSession = foreign.body.sessions[0].id;
    assert.equal((await api.delete(`${path}/${adminSession}`, { token: admin.token })).status, 404);

    const all = await api.delete(path, { token: admin.token });
    assert.deepEqual([all.status, all.body.sessions_ended], [200, 1]);
    assert.equal((await secondSocket.closed).code, 4401);
    assert.deepEqual((await api.get(path, { token: admin.token })).body.sessions, []);
    const unknown = await api.get("/api/v1/admin/users/nobody/sessions", { token: admin.token });
    assert.equal(unknown.status, 404);

    const audit = await api.get("/api/v1/admin/audit?action=user.session", {
      token: admin.token,
    });
    assert.equal(audit.body.entries.length, 0, "an action is matched whole unless it ends in .");
    const kinds = await api.get(`/api/v1/admin/audit?action=user.&limit=2`, {
      token: admin.token,
    });
    assert.deepEqual(
      kinds.body.entries.map((e: any) => [
        e.action,
        e.details.session_id ?? e.details.sessions_ended,
      ]),
      [
        ["user.sessions_revoked", 1],
        ["user.session_revoked", firstId],
      ],
    );
  });

  it("narrows the audit log by actor, action and time", async () => {
    const start = Date.now();
    const target = await createInvitedUser();
    await api.patch(`/api/v1/admin/users/${target.id}`, { disabled: true }, { token: admin.token });
    await new AdminService({ store: server.ctx.store }).updateUser(CLI_ACTOR, target.id, {
      disabled: false,
    });
    const get = async (query: string) => {
      const res = await api.get(`/api/v1/admin/audit?${query}`, { token: admin.token });
      assert.equal(res.status, 200, `${query}: ${res.text}`);
      return res.body.entries.map((e: any) => `${e.actor_label} ${e.action}`);
    };
    const since = `since=${start}`;
    assert.deepEqual(await get(`${since}&action=user.`), [
      "cli user.enable",
      `${admin.username} user.disable`,
    ]);
    assert.deepEqual(await get(`${since}&actor=cli`), ["cli user.enable"]);
    assert.deepEqual(await get(`${since}&actor=${admin.username}&action=invite.create`), [
      `${admin.username} invite.create`,
    ]);
    assert.deepEqual(await get(`${since}&until=${start}`), []);
    assert.deepEqual(await get(`until=${start}&action=user.enable&since=0`), []);
    assert.deepEqual(await get(`${since}&actor=nobody`), []);
    for (const bad of [
      "since=yesterday",
      "until=-1",
      "actor=",
      `action=${"x".repeat(65)}`,
      "who=me",
    ]) {
      const res = await api.get(`/api/v1/admin/audit?${bad}`, { token: admin.token });
      assert.equal(res.status, 400, bad);
      assert.match(res.body.error.code, /^(invalid_request|unknown_fields)$/);
    }
  });

  async function createInvitedUser(): Promise<TestUser> {
    const invite = await api.post("/api/v1/admin/invites", {}, { token: admin.token });
    return createUser(server.url, { invite_code: invite.body.code });
  }

  it("an admin disables a user over REST: socket closed, token dead, audited", async () => {
    const server = await start();
    try {
      const api = client(server.url);
      const admin = await createUser(server.url);
      const user = await createUser(server.url);
      const socket = await connect(server.url, user.token);
      const res = await api.patch(
        `/api/v1/admin/users/${user.id}`,
        { disabled: true },
        { token: admin.token },
      );
      assert.equal(res.status, 200);
      assert.equal((await socket.closed).code, 4401);
      assert.equal((await api.get("/api/v1/me", { token: user.token })).status, 401);
      const audit = await api.get("/api/v1/admin/audit", { token: admin.token });
      assert.equal(audit.body.entries.length, 1);
      assert.deepEqual(
        { ...audit.body.entries[0], id: 0, at: 0 },
        {
          id: 0,
          at: 0,
          actor_id: admin.id,
          actor_label: admin.username,
          action: "user.disable",
          target_type: "user",
          target_id: user.id,
          details: { username: user.username, sessions_ended: 1 },
        },
      );
    } finally {
      await server.stop();
    }
  });
});
