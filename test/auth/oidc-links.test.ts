/**
 * Linking an existing account to a provider from Settings, against a real provider, on
 * both engines: the password asked again; the provider's sign-in ending in Settings with
 * the link made (only in the browser that started it); signing in through the provider then reaches the same account; a
 * provider with `disable_local_password` refuses the password (told only to someone who
 * knows it); a provider account linked elsewhere, or outside the access group, is refused
 * back in Settings; unlinking gives the password back.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { forEachEngine } from "../helpers/engines.js";
import { createUser } from "../helpers/factories.js";
import { client } from "../helpers/http.js";
import { followSignIn, TestOidcProvider } from "../helpers/oidc-provider.js";
import type { TestServer } from "../helpers/server.js";
import { tempDirs } from "../helpers/temp-dirs.js";
import { trustedCert } from "../helpers/trusted-cert.js";

const tls = trustedCert();
const tempDir = tempDirs("chat-oidc-links-");

if (tls) {
  forEachEngine("linking an account to a provider", (run) => {
    describe("links from Settings", () => {
      const idp = new TestOidcProvider(tls);
      let server: TestServer;

      /** The cookie the link's start gave the browser, held for the server's host. */
      const inBrowser = (started: { headers: Headers }) => ({
        [new URL(server.url).host]: started.headers.getSetCookie(),
      });

      before(async () => {
        await idp.listen();
        server = await run.start({
          rate_limit: { enabled: false },
          oidc: {
            providers: [
              idp.providerConfig(tempDir(), {
                id: "corp",
                name: "Corp",
                scopes: ["openid", "profile", "groups"],
                groups_claim: "groups",
                access_group: "chat",
                auto_create: false,
                disable_local_password: true,
              }),
            ],
          },
        });
        idp.register(server.url, ["corp"]);
      });
      after(async () => {
        await server.stop();
        await idp.stop();
      });

      it("links with the password asked again, then signs in through the provider only", async () => {
        const api = client(server.url);
        const alice = await createUser(server.url);
        const list = await api.get("/api/v1/me/sign-in-providers", { token: alice.token });
        assert.deepEqual(list.body.providers, [
          { id: "corp", name: "Corp", linked: false, provider_only: true },
        ]);
        const path = "/api/v1/me/sign-in-providers/corp/link";
        const wrong = await api.post(path, { password: "not it at all" }, { token: alice.token });
        assert.equal(wrong.status, 401);
        assert.equal(
          (await api.post("/api/v1/me/sign-in-providers/nope/link", alice, { token: alice.token }))
            .status,
          400,
          "the body holds only the password",
        );
        const unknown = await api.post(
          "/api/v1/me/sign-in-providers/nope/link",
          { password: alice.password },
          { token: alice.token },
        );
        assert.equal(unknown.status, 404);

        idp.accounts.set("sub-alice", { preferred_username: "alice.corp", groups: ["chat"] });
        idp.nextLogin = "sub-alice";
        const started = await api.post(path, { password: alice.password }, { token: alice.token });
        assert.equal(started.status, 200, started.text);
        // Opened elsewhere (a link passed to someone else): refused, nothing linked.
        const elsewhere = await followSignIn(started.body.url);
        assert.deepEqual(elsewhere.route.slice(0, 3), ["settings", "link-error", "sign_in_failed"]);
        assert.match(elsewhere.route[3] ?? "", /another browser/);
        const afresh = await api.post(path, { password: alice.password }, { token: alice.token });
        idp.nextLogin = "sub-alice";
        const end = await followSignIn(afresh.body.url, undefined, inBrowser(afresh));
        assert.deepEqual(end.route, ["settings", "linked", "corp"]);
        const linked = await api.get("/api/v1/me/sign-in-providers", { token: alice.token });
        assert.equal(linked.body.providers[0].linked, true);
        const again = await api.post(path, { password: alice.password }, { token: alice.token });
        assert.equal(again.status, 409);

        // Through the provider: the same account.
        idp.nextLogin = "sub-alice";
        const viaProvider = await followSignIn(`${server.url}/api/v1/auth/oidc/corp/start`);
        assert.equal(viaProvider.route[0], "oidc", viaProvider.route.join("/"));
        const exchanged = await api.post("/api/v1/auth/oidc/exchange", {
          code: viaProvider.route[1],
        });
        assert.equal(exchanged.status, 200, exchanged.text);
        assert.equal(exchanged.body.user.id, alice.id);

        // The password no longer signs in; a wrong one learns nothing of the link.
        const byPassword = await api.post("/api/v1/auth/login", {
          username: alice.username,
          password: alice.password,
        });
        assert.equal(byPassword.status, 403, byPassword.text);
        assert.equal(byPassword.body.error.code, "sign_in_refused");
        assert.match(byPassword.body.error.message, /through Corp only/);
        const guessed = await api.post("/api/v1/auth/login", {
          username: alice.username,
          password: "a wrong guess here",
        });
        assert.equal(guessed.body.error.code, "invalid_credentials");

        // Unlinked (with the password, from a session): the password signs in again.
        const unlinked = await api.delete("/api/v1/me/sign-in-providers/corp", {
          token: alice.token,
          body: { password: alice.password },
        });
        assert.equal(unlinked.status, 204, unlinked.text);
        const back = await api.post("/api/v1/auth/login", {
          username: alice.username,
          password: alice.password,
        });
        assert.equal(back.status, 200, back.text);
        const gone = await api.delete("/api/v1/me/sign-in-providers/corp", {
          token: alice.token,
          body: { password: alice.password },
        });
        assert.equal(gone.status, 404);
      });

      it("refuses a provider account linked elsewhere, or outside the access group, in Settings", async () => {
        const api = client(server.url);
        const carol = await createUser(server.url);
        const dave = await createUser(server.url);
        const path = "/api/v1/me/sign-in-providers/corp/link";
        const linkAs = async (user: typeof carol, sub: string) => {
          idp.nextLogin = sub;
          const started = await api.post(path, { password: user.password }, { token: user.token });
          assert.equal(started.status, 200, started.text);
          return (await followSignIn(started.body.url, undefined, inBrowser(started))).route;
        };
        idp.accounts.set("sub-carol", { preferred_username: "carol", groups: ["chat"] });
        assert.deepEqual(await linkAs(carol, "sub-carol"), ["settings", "linked", "corp"]);
        const taken = await linkAs(dave, "sub-carol");
        assert.deepEqual(taken.slice(0, 3), ["settings", "link-error", "conflict"]);
        assert.match(taken[3] ?? "", /linked to another account/);
        idp.accounts.set("sub-dave", { preferred_username: "dave", groups: ["elsewhere"] });
        const outside = await linkAs(dave, "sub-dave");
        assert.deepEqual(outside.slice(0, 3), ["settings", "link-error", "sign_in_refused"]);

        const admin = await api.get("/api/v1/me/sign-in-providers", { token: dave.token });
        assert.equal(admin.body.providers[0].linked, false);
      });
    });
  });
}
