import assert from "node:assert/strict";
import { after, before, it } from "node:test";
import { AdminService, CLI_ACTOR } from "../../src/admin/service.js";
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
