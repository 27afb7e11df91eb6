/**
 * Signing in through OpenID Connect against a real provider (oidc-provider over HTTPS on
 * 127.0.0.1), on both engines, following the redirects as a browser does: the account
 * made at the first sign-in and found again by its subject (whatever its name becomes
 * there); the provider's groups letting people in and making administrators; refusals
 * (outside the access group, no account when accounts are not made, a local account of
 * the same name, a "no" at the provider); and tampering (a changed state, a changed
 * nonce, a replayed callback, a code exchanged twice).
 */
import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { after, before, describe, it } from "node:test";
import type { JWK } from "jose";
import { addMembers, createGroup } from "../helpers/chat.js";
import { forEachEngine } from "../helpers/engines.js";
import { createUser } from "../helpers/factories.js";
import { client, request } from "../helpers/http.js";
import {
  followSignIn,
  signInThrough,
  type TestAccount,
  TestOidcProvider,
} from "../helpers/oidc-provider.js";
import type { TestServer } from "../helpers/server.js";
import { connect } from "../helpers/socket.js";
import { tempDirs } from "../helpers/temp-dirs.js";
import { trustedCert } from "../helpers/trusted-cert.js";

const tls = trustedCert();
const tempDir = tempDirs("chat-oidc-");

if (tls) {
  forEachEngine("OpenID Connect sign-in", (run) => {
    describe("through a provider", () => {
      const idp = new TestOidcProvider(tls);
      let server: TestServer;
      const start = (id = "corp") => `${server.url}/api/v1/auth/oidc/${id}/start`;
      const exchange = (code: string) =>
        client(server.url).post("/api/v1/auth/oidc/exchange", { code });

      before(async () => {
        await idp.listen();
        const provider = (fields: Record<string, unknown>) =>
          idp.providerConfig(tempDir(), {
            scopes: ["openid", "profile", "groups"],
            groups_claim: "groups",
            ...fields,
          });
        server = await run.start({
          rate_limit: { enabled: false },
          oidc: {
            // Each person is checked at the provider every second.
            check_interval_seconds: 1,
            providers: [
              provider({
                id: "corp",
                name: "Corp",
                access_group: "chat",
                admin_group: "chat-admins",
                auto_create: true,
              }),
              provider({ id: "closed", name: "Closed", auto_create: false }),
              provider({
                id: "workspace",
                name: "Workspace",
                scopes: ["openid", "email"],
                username_claim: "email",
                email_domains: ["example.com"],
                auto_create: true,
              }),
            ],
          },
        });
        idp.register(server.url, ["corp", "closed", "workspace"]);
      });
      after(async () => {
        await server.stop();
        await idp.stop();
      });

      it("makes the account at the first sign-in and finds it again by its subject", async () => {
        const info = await client(server.url).get("/api/v1/server");
        assert.deepEqual(info.body.sign_in_providers, [
          { id: "corp", name: "Corp" },
          { id: "closed", name: "Closed" },
          { id: "workspace", name: "Workspace" },
        ]);
        idp.accounts.set("sub-ann", {
          preferred_username: "ann",
          name: "Ann A.",
          groups: ["chat"],
        });
        idp.nextLogin = "sub-ann";
        const end = await followSignIn(start());
        assert.equal(end.url.origin, server.url);
        assert.equal(end.route[0], "oidc", end.route.join("/"));
        const signedIn = await exchange(end.route[1] as string);
        assert.equal(signedIn.status, 200, signedIn.text);
        assert.equal(signedIn.body.user.username, "ann");
        assert.equal(signedIn.body.user.display_name, "Ann A.");
        assert.equal(signedIn.body.user.is_admin, false);
        const again = await exchange(end.route[1] as string);
        assert.equal(again.status, 401, "a code is exchanged once");
        assert.equal(again.body.error.code, "sign_in_failed");

        const sessions = await client(server.url).get("/api/v1/sessions", {
          token: signedIn.body.token,
        });
        assert.equal(sessions.body.sessions[0].method, "oidc:corp");

        // Renamed at the provider, and made an administrator there: the same account.
        idp.accounts.set("sub-ann", {
          preferred_username: "ann.b",
          name: "Ann B.",
          groups: ["chat", "chat-admins"],
        });
        const later = await exchange((await followSignIn(start())).route[1] as string);
        assert.equal(later.body.user.id, signedIn.body.user.id);
        assert.equal(later.body.user.is_admin, true);
      });

      it("refuses people outside the access group, without an account, or named like a local one", async () => {
        idp.accounts.set("sub-out", { preferred_username: "outsider", groups: ["sales"] });
        idp.nextLogin = "sub-out";
        const outside = await followSignIn(start());
        assert.deepEqual(outside.route.slice(0, 2), ["oidc-error", "sign_in_refused"]);
        assert.match(outside.route[2] ?? "", /not in the group/);

        idp.accounts.set("sub-new", { preferred_username: "newcomer", groups: ["chat"] });
        idp.nextLogin = "sub-new";
        const closed = await followSignIn(start("closed"));
        assert.deepEqual(closed.route.slice(0, 2), ["oidc-error", "sign_in_refused"]);
        assert.match(closed.route[2] ?? "", /no account here/);

        const local = await createUser(server.url);
        idp.accounts.set("sub-taker", { preferred_username: local.username, groups: ["chat"] });
        idp.nextLogin = "sub-taker";
        const taken = await followSignIn(start());
        assert.deepEqual(taken.route.slice(0, 2), ["oidc-error", "username_taken"]);
        const still = await client(server.url).post("/api/v1/auth/login", {
          username: local.username,
          password: local.password,
        });
        assert.equal(still.status, 200, "the local account is untouched");

        // A provider that vouches for anyone: only verified addresses at its domains.
        idp.accounts.set("sub-dee", { email: "dee@example.com", email_verified: true });
        idp.accounts.set("sub-eve", { email: "eve@other.example", email_verified: true });
        idp.accounts.set("sub-fay", { email: "fay@example.com", email_verified: false });
        idp.nextLogin = "sub-dee";
        const dee = await followSignIn(start("workspace"));
        assert.equal(dee.route[0], "oidc", dee.route.join("/"));
        const deeIn = await exchange(dee.route[1] as string);
        assert.equal(deeIn.body.user.username, "dee", "the address's part before @");
        for (const sub of ["sub-eve", "sub-fay"]) {
          idp.nextLogin = sub;
          const out = await followSignIn(start("workspace"));
          assert.deepEqual(out.route.slice(0, 2), ["oidc-error", "sign_in_refused"], sub);
        }

        idp.nextLogin = "deny";
        const denied = await followSignIn(start());
        assert.deepEqual(denied.route.slice(0, 2), ["oidc-error", "sign_in_refused"]);
      });

      it("ends a person's provider sessions at a back-channel logout, closing their socket", async () => {
        idp.accounts.set("sub-gus", { preferred_username: "gus", groups: ["chat"] });
        idp.nextLogin = "sub-gus";
        const signedIn = await exchange((await followSignIn(start())).route[1] as string);
        assert.equal(signedIn.status, 200, signedIn.text);
        const token = signedIn.body.token as string;
        const socket = await connect(server.url, token);
        const api = client(server.url);
        const post = (logoutToken: string) =>
          request(server.url, "POST", "/api/v1/auth/oidc/corp/backchannel-logout", {
            rawBody: new URLSearchParams({ logout_token: logoutToken }).toString(),
            headers: { "content-type": "application/x-www-form-urlencoded" },
          });

        const forgedKey = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({
          format: "jwk",
        }) as JWK;
        for (const [what, bad] of [
          ["another key", await idp.logoutToken("sub-gus", { key: forgedKey })],
          ["another audience", await idp.logoutToken("sub-gus", { audience: "someone-else" })],
          ["a nonce", await idp.logoutToken("sub-gus", { nonce: "n" })],
          ["no logout event", await idp.logoutToken("sub-gus", { event: false })],
          ["not a JWT", "not.a.jwt"],
        ] as const) {
          const refused = await post(bad);
          assert.equal(refused.status, 400, `${what}: ${refused.text}`);
        }
        assert.equal((await api.get("/api/v1/me", { token })).status, 200, "still signed in");

        const ended = await post(await idp.logoutToken("sub-gus"));
        assert.equal(ended.status, 200, ended.text);
        assert.deepEqual(ended.body, { sessions_ended: 1 });
        const closed = await socket.closed;
        assert.equal(closed.code, 4401);
        const after = await api.get("/api/v1/me", { token });
        assert.equal(after.status, 401);
        const unknown = await post(await idp.logoutToken("sub-nobody"));
        assert.deepEqual(unknown.body, { sessions_ended: 0 });
      });

      it("disables a person the provider no longer knows at the next check, closing their socket", async () => {
        idp.accounts.set("sub-ivy", { preferred_username: "ivy", groups: ["chat"] });
        idp.nextLogin = "sub-ivy";
        const signedIn = await exchange((await followSignIn(start())).route[1] as string);
        assert.equal(signedIn.status, 200, signedIn.text);
        const socket = await connect(server.url, signedIn.body.token);
        // Checked and still known: nothing happens.
        await new Promise((resolve) => setTimeout(resolve, 2500));
        const me = await client(server.url).get("/api/v1/me", { token: signedIn.body.token });
        assert.equal(me.status, 200);

        idp.accounts.delete("sub-ivy");
        const closed = await socket.closed;
        assert.equal(closed.code, 4401);
        const after = await client(server.url).get("/api/v1/me", {
          token: signedIn.body.token,
        });
        assert.equal(after.status, 401);
        idp.accounts.set("sub-ivy", { preferred_username: "ivy", groups: ["chat"] });
        const back = await followSignIn(start());
        const refused = await exchange(back.route[1] as string).catch(() => undefined);
        assert.ok(
          back.route[0] === "oidc-error" || refused?.status === 403,
          "a disabled account stays disabled until an administrator enables it",
        );
      });

      it("keeps a conversation linked to a provider group in step with the group", async () => {
        const signInAs = (sub: string, account: TestAccount) =>
          signInThrough(server.url, idp, sub, account);
        const admin = await signInAs("sub-jo", {
          preferred_username: "joan",
          groups: ["chat", "chat-admins"],
        });
        const api = client(server.url);
        const room = await createGroup(server.url, admin, [], "Engineering");
        const link = (body: Record<string, unknown>) =>
          api.post("/api/v1/admin/group-links", body, { token: admin.token });
        const made = await link({
          source: "oidc:corp",
          group: "engineering",
          conversation_id: room.id,
        });
        assert.equal(made.status, 201, made.text);
        assert.equal(made.body.conversation_title, "Engineering");
        assert.equal(
          (await link({ source: "oidc:corp", group: "engineering", conversation_id: room.id }))
            .status,
          409,
        );
        const badSource = await link({
          source: "ldap",
          group: "engineering",
          conversation_id: room.id,
        });
        assert.equal(badSource.status, 400);
        assert.match(badSource.body.error.message, /oidc:corp/);
        assert.equal(
          (await link({ source: "oidc:corp", group: "x", conversation_id: "nope" })).status,
          404,
        );

        const kim = await signInAs("sub-kim", {
          preferred_username: "kim",
          groups: ["chat", "engineering"],
        });
        const seen = await api.get(`/api/v1/conversations/${room.id}`, { token: kim.token });
        assert.equal(seen.status, 200, "in the group: added at sign-in");
        const lee = await signInAs("sub-lee", { preferred_username: "lee", groups: ["chat"] });
        await addMembers(server.url, admin, room.id, [lee]);

        await signInAs("sub-kim", { preferred_username: "kim", groups: ["chat"] });
        await signInAs("sub-lee", { preferred_username: "lee", groups: ["chat"] });
        const gone = await api.get(`/api/v1/conversations/${room.id}`, { token: kim.token });
        assert.equal(gone.status, 404, "out of the group: taken out at the next sign-in");
        const stays = await api.get(`/api/v1/conversations/${room.id}`, { token: lee.token });
        assert.equal(stays.status, 200, "someone an admin added stays");

        const audit = await api.get("/api/v1/admin/audit", { token: admin.token });
        const actions = audit.body.entries.map((e: { action: string }) => e.action);
        for (const action of [
          "group_link.create",
          "group_link.member_added",
          "group_link.member_removed",
        ])
          assert.ok(actions.includes(action), `${action} in ${actions.join()}`);
        const listed = await api.get("/api/v1/admin/group-links", { token: admin.token });
        assert.equal(listed.body.links.length, 1);
        const removed = await api.delete(`/api/v1/admin/group-links/${made.body.id}`, {
          token: admin.token,
        });
        assert.equal(removed.status, 204);
      });

      it("refuses a changed state, a changed nonce and a replayed callback", async () => {
        idp.accounts.set("sub-cy", { preferred_username: "cyd", groups: ["chat"] });
        idp.nextLogin = "sub-cy";
        const changedState = await followSignIn(start(), (url) => {
          if (url.pathname.endsWith("/callback")) url.searchParams.set("state", "forged");
          return url;
        });
        assert.deepEqual(changedState.route.slice(0, 2), ["oidc-error", "sign_in_failed"]);

        const changedNonce = await followSignIn(start(), (url) => {
          if (url.pathname === "/auth" && url.searchParams.has("nonce"))
            url.searchParams.set("nonce", "someone-elses-nonce");
          return url;
        });
        assert.deepEqual(changedNonce.route.slice(0, 2), ["oidc-error", "sign_in_failed"]);

        let callback: URL | undefined;
        const first = await followSignIn(start(), (url) => {
          if (url.pathname.endsWith("/callback")) callback = new URL(url);
          return url;
        });
        assert.equal(first.route[0], "oidc");
        const replayed = await followSignIn(callback?.href ?? "");
        assert.deepEqual(replayed.route.slice(0, 2), ["oidc-error", "sign_in_failed"]);

        const unknown = await followSignIn(`${server.url}/api/v1/auth/oidc/nobody/start`);
        assert.deepEqual(unknown.route.slice(0, 2), ["oidc-error", "not_found"]);
        const bad = await exchange("x".repeat(200));
        assert.equal(bad.status, 400);
      });
    });
  });
}
