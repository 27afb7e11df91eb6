/**
 * The SDK's administration calls (client.admin) against a real server on both engines:
 * each decodes the server's answer, and a member's client gets the API's refusal as an
 * ApiError, never a half-decoded value.
 */
import assert from "node:assert/strict";
import { it } from "node:test";
import { ApiClient, ApiError } from "@private-chat/sdk";
import { apiSuite } from "../helpers/api-suite.js";
import { forEachEngine } from "../helpers/engines.js";
import { createUser, uniqueUsername } from "../helpers/factories.js";

forEachEngine("SDK administration calls", (run) => {
  const { started } = apiSuite(run);

  it("manages an account, its sessions, invites, settings and reads the audit log", async () => {
    const { server } = started();
    // The first account of a fresh server is its administrator.
    const root = await createUser(server.url);
    const member = await createUser(server.url);
    const admin = new ApiClient({ baseUrl: server.url, token: root.token }).admin;

    const username = uniqueUsername("made");
    const made = await admin.createUser({ username, display_name: "Made" });
    assert.equal(made.user.is_admin, false);
    assert.ok(made.password && made.password.length >= 12);
    assert.deepEqual(
      (await admin.users(username)).map((u) => u.id),
      [made.user.id],
    );
    assert.equal((await admin.updateUser(made.user.id, { is_admin: true })).is_admin, true);

    const target = new ApiClient({ baseUrl: server.url });
    await target.login(username, made.password ?? "");
    const [session] = await admin.sessions(made.user.id);
    assert.ok(session);
    await admin.revokeSession(made.user.id, session.id);
    assert.deepEqual(await admin.sessions(made.user.id), []);
    assert.equal(await admin.revokeSessions(made.user.id), 0);
    const fresh = await admin.resetPassword(made.user.id);
    assert.notEqual(fresh, made.password);
    assert.equal((await admin.updateUser(made.user.id, { disabled: true })).disabled, true);

    const { settings, defaults } = await admin.updateSettings({ registration: "invite" });
    assert.deepEqual([settings.registration, defaults.registration], ["invite", "open"]);
    const { invite, code } = await admin.createInvite({ max_uses: 3, expires_in_hours: 1 });
    assert.deepEqual([invite.max_uses, invite.uses, invite.status], [3, 0, "active"]);
    await createUser(server.url, { invite_code: code });
    const listed = (await admin.invites()).find((i) => i.id === invite.id);
    assert.equal(listed?.uses, 1);
    await admin.revokeInvite(invite.id);
    await admin.updateSettings({ registration: null });

    assert.equal(
      (await admin.updateSettings({ retention_max_days: 90 })).settings.retention_max_days,
      90,
    );
    assert.equal(
      (await admin.updateSettings({ retention_max_days: null })).settings.retention_max_days,
      defaults.retention_max_days,
    );
    assert.equal((await admin.settings()).settings.registration, defaults.registration);

    const entries = await admin.audit({ action: "user.", actor: root.username, limit: 10 });
    assert.deepEqual(
      entries.map((e) => e.action),
      [
        "user.disable",
        "user.reset_password",
        "user.sessions_revoked",
        "user.session_revoked",
        "user.promote",
        "user.create",
      ],
    );
    const older = await admin.audit({ before: entries[1]?.id, limit: 1, action: "user." });
    assert.equal(older[0]?.action, "user.sessions_revoked");
    assert.deepEqual(await admin.audit({ since: Date.now() + 60_000 }), []);

    const stats = await admin.server();
    assert.equal(stats.messages_per_day.length, 30);
    await admin.deleteUser(made.user.id);
    // A deleted account gives up its name; it is found by id, marked deleted.
    const gone = (await admin.users()).find((u) => u.id === made.user.id);
    assert.equal(typeof gone?.deleted_at, "number");

    const refused = new ApiClient({ baseUrl: server.url, token: member.token }).admin;
    await assert.rejects(refused.users(), (err: unknown) => {
      assert.ok(err instanceof ApiError);
      assert.deepEqual([err.status, err.code], [403, "forbidden"]);
      return true;
    });
  });
});
