/**
 * Signing in with an LDAP directory against a real one (OpenLDAP's slapd over ldaps://
 * with a throw-away certificate trusted through `[ldap] ca_file`), on both engines: the
 * account made at the first sign-in, its session's method "ldap"; a wrong password and
 * an unknown name answered alike; the access group; a local account of the same name
 * never taken over; then the periodic sync — a group linked to a conversation followed
 * both ways, the display name followed, a person moved out of the access group, or
 * deleted from the directory, disabled and their socket closed; and a directory that
 * is gone answering 503.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { CLI_ACTOR } from "../../src/admin/actors.js";
import { linkToDirectory } from "../../src/ldap/link.js";
import { createGroup } from "../helpers/chat.js";
import { forEachEngine } from "../helpers/engines.js";
import { createUser } from "../helpers/factories.js";
import { client } from "../helpers/http.js";
import { GROUPS, groupDn, personDn, slapdMissing, TestLdapServer } from "../helpers/ldap-server.js";
import type { TestServer } from "../helpers/server.js";
import { connect } from "../helpers/socket.js";
import { tempDirs } from "../helpers/temp-dirs.js";
import { codeFor, enrolTotp } from "./two-factor-fixture.js";

const tempDir = tempDirs("chat-ldap-");
const missing = slapdMissing();

/** Asks `probe` every 200 ms until it says yes; fails after `ms`. */
async function eventually(what: string, probe: () => Promise<boolean>, ms = 20_000) {
  const until = Date.now() + ms;
  while (!(await probe())) {
    if (Date.now() > until) assert.fail(`${what}: not within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

const PASSWORD = {
  ada: "pw-test-ada-directory",
  max: "pw-test-max-directory",
  eve: "pw-test-eve-directory",
  carol: "pw-test-carol-directory",
  lin: "pw-test-lin-directory",
  kim: "pw-test-kim-directory",
};

forEachEngine("LDAP sign-in", (run) => {
  describe("with a directory", { skip: missing }, () => {
    let ldap: TestLdapServer;
    let server: TestServer;
    const api = () => client(server.url);
    const login = (username: string, password: string) =>
      api().post("/api/v1/auth/login", { username, password });

    before(async () => {
      ldap = new TestLdapServer(tempDir());
      await ldap.start();
      await ldap.addPerson("ada", PASSWORD.ada, "Ada Lovelace");
      await ldap.addPerson("max", PASSWORD.max, "Max Mustermann");
      await ldap.addPerson("eve", PASSWORD.eve);
      await ldap.addPerson("carol", PASSWORD.carol);
      await ldap.addPerson("lin", PASSWORD.lin);
      await ldap.addPerson("kim", PASSWORD.kim);
      await ldap.addGroup("chat", ["ada", "max", "carol", "lin", "kim"]);
      await ldap.addGroup("chat-admins", ["ada"]);
      await ldap.addGroup("design", ["max"]);
      server = await run.start({
        rate_limit: { enabled: false },
        ldap: ldap.config({
          group_base: GROUPS,
          access_group: groupDn("chat"),
          admin_group: groupDn("chat-admins"),
          sync_interval_seconds: 1,
        }),
      });
    });
    after(async () => {
      await server?.stop();
      await ldap?.stop();
    });

    it("makes the account at the first sign-in, as the directory says, with a session of method ldap", async () => {
      const res = await login("ada", PASSWORD.ada);
      assert.equal(res.status, 200, res.text);
      assert.equal(res.body.user.username, "ada");
      assert.equal(res.body.user.display_name, "Ada Lovelace");
      assert.equal(res.body.user.is_admin, true);
      const again = await login("ada", PASSWORD.ada);
      assert.equal(again.body.user.id, res.body.user.id, "the same account the second time");
      const sessions = await api().get("/api/v1/sessions", { token: res.body.token });
      assert.equal(sessions.status, 200, sessions.text);
      const methods = sessions.body.sessions.map((s: { method: string }) => s.method);
      assert.deepEqual([...new Set(methods)], ["ldap"]);
    });

    it("answers a wrong password, an empty one and an unknown name alike", async () => {
      const wrong = await login("max", "pw-test-not-it");
      const empty = await login("max", "");
      const unknown = await login("nobody", "pw-test-not-it");
      for (const res of [wrong, empty, unknown]) {
        assert.equal(res.status, 401, res.text);
        assert.deepEqual(res.body, wrong.body);
      }
      assert.equal(wrong.body.error.code, "invalid_credentials");
      // A filter in the name finds nobody: it is compared, not pasted into the search.
      assert.equal((await login("*", PASSWORD.max)).status, 401);
    });

    it("refuses a person outside the access group, and never takes a local account over unless linked", async () => {
      const eve = await login("eve", PASSWORD.eve);
      assert.equal(eve.status, 403, eve.text);
      assert.equal(eve.body.error.code, "sign_in_refused");

      const local = await createUser(server.url, { username: "carol" });
      const taken = await login("carol", PASSWORD.carol);
      assert.equal(taken.status, 409, taken.text);
      assert.equal(taken.body.error.code, "username_taken");
      assert.match(taken.body.error.message, /not linked to the directory/);
      const own = await login("carol", local.password);
      assert.equal(own.status, 200, "the local password still signs the local account in");
      assert.equal(own.body.user.id, local.id);

      // The operator links it (chat-server user link-directory): the directory's password now.
      const carol = await server.ctx.store.users.byUsername("carol");
      assert.ok(carol);
      const entry = await linkToDirectory(server.ctx.store, server.config.ldap, carol, CLI_ACTOR);
      assert.equal(entry.dn, personDn("carol"));
      const linked = await login("carol", PASSWORD.carol);
      assert.equal(linked.status, 200, linked.text);
      assert.equal(linked.body.user.id, local.id, "the same account, linked");
      assert.equal((await login("carol", local.password)).status, 401);
    });

    it("asks for the directory password again, and a second factor once one is set up", async () => {
      const lin = (await login("lin", PASSWORD.lin)).body;
      const user = { id: lin.user.id, username: "lin", password: PASSWORD.lin, token: lin.token };
      // Setting up an authenticator app asks for the password: the directory's.
      const enrolled = await enrolTotp(server.url, user);
      const asked = await login("lin", PASSWORD.lin);
      assert.equal(asked.status, 401, asked.text);
      assert.equal(asked.body.error.code, "second_factor_required");
      const signedIn = await api().post("/api/v1/auth/login", {
        username: "lin",
        password: PASSWORD.lin,
        totp_code: codeFor(enrolled.secret, 1),
      });
      assert.equal(signedIn.status, 200, signedIn.text);
      const sessions = await api().get("/api/v1/sessions", { token: signedIn.body.token });
      const methods = sessions.body.sessions.map((s: { method: string }) => s.method);
      assert.ok(methods.includes("ldap+totp"), methods.join());
      // Its password is the directory's: changed there, not here.
      const change = await api().post(
        "/api/v1/auth/password",
        { current_password: PASSWORD.lin, new_password: "pw-test-a-new-one" },
        { token: lin.token },
      );
      assert.equal(change.status, 400, change.text);
      assert.match(change.body.error.message, /change it in the directory/);
    });

    it("follows the directory at each sync: linked group, display name, access group", async () => {
      const admin = (await login("ada", PASSWORD.ada)).body;
      const owner = {
        id: admin.user.id,
        username: "ada",
        password: PASSWORD.ada,
        token: admin.token,
      };
      const room = await createGroup(server.url, owner, [], "Design");
      const made = await api().post(
        "/api/v1/admin/group-links",
        // Written as people write DNs: matched whatever the letter case and spacing.
        {
          source: "ldap",
          group: "cn=Design, ou=groups, dc=example, dc=org",
          conversation_id: room.id,
        },
        { token: admin.token },
      );
      assert.equal(made.status, 201, made.text);

      const max = (await login("max", PASSWORD.max)).body;
      assert.ok(max.token, "max signs in");
      const inRoom = async () =>
        (await api().get(`/api/v1/conversations/${room.id}`, { token: max.token })).status === 200;
      assert.ok(await inRoom(), "in the group: added at sign-in");

      await ldap.setMembers("design", ["ada"]);
      await eventually("taken out of the room at a sync", async () => !(await inRoom()));
      await ldap.setMembers("design", ["ada", "max"]);
      await eventually("added again at a sync", inRoom);

      await ldap.modify(
        `dn: ${personDn("max")}\nchangetype: modify\nreplace: cn\ncn: Max Renamed\n`,
      );
      await eventually(
        "the display name followed",
        async () =>
          (await api().get("/api/v1/me", { token: max.token })).body.user?.display_name ===
          "Max Renamed",
      );

      const socket = await connect(server.url, max.token);
      await ldap.setMembers("chat", ["ada", "carol", "lin", "kim"]);
      const closed = await socket.closed;
      assert.equal(closed.code, 4401);
      assert.equal((await api().get("/api/v1/me", { token: max.token })).status, 401);
      const refused = await login("max", PASSWORD.max);
      assert.equal(refused.body.error?.code, "sign_in_refused", refused.text);

      const audit = await api().get("/api/v1/admin/audit", { token: admin.token });
      const entries = audit.body.entries as { action: string }[];
      for (const action of [
        "group_link.member_removed",
        "group_link.member_added",
        "user.display_name",
        "user.disable",
      ])
        assert.ok(
          entries.some((e) => e.action === action),
          `${action} in ${entries.map((e) => e.action).join()}`,
        );
    });

    it("disables at the next sync an account whose entry was deleted", async () => {
      const kim = (await login("kim", PASSWORD.kim)).body;
      assert.ok(kim.token, "kim signs in");
      await ldap.modify(`dn: ${personDn("kim")}\nchangetype: delete\n`);
      await eventually(
        "signed out",
        async () => (await api().get("/api/v1/me", { token: kim.token })).status === 401,
      );
      const again = await login("kim", PASSWORD.kim);
      assert.equal(again.status, 401, "gone from the directory: an unknown name");
    });

    it("answers 503 provider_unavailable while the directory is away", async () => {
      const someone = await createUser(server.url);
      await ldap.stop();
      const res = await login("ada", PASSWORD.ada);
      assert.equal(res.status, 503, res.text);
      assert.equal(res.body.error.code, "provider_unavailable");
      // A local account's wrong password stays a wrong password, counted as one.
      const local = await login(someone.username, "pw-test-not-it");
      assert.equal(local.status, 401, local.text);
      assert.equal(local.body.error.code, "invalid_credentials");
    });
  });
});
