/**
 * The device sign-in (RFC 8628) for clients without a browser of their own, against a
 * real provider that offers it, on both engines: a poll before the person said yes is
 * pending; once they enter the code at the provider the next poll is the session, made
 * with the provider's account and its access group; the handle signs in once; a "no"
 * at the provider is refused; a handle that was changed, or sealed by no server, is
 * unknown; and a provider without a device endpoint answers 404, so the client shows
 * the browser address instead.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { forEachEngine } from "../helpers/engines.js";
import { client } from "../helpers/http.js";
import { confirmDevice, TestOidcProvider } from "../helpers/oidc-provider.js";
import type { TestServer } from "../helpers/server.js";
import { tempDirs } from "../helpers/temp-dirs.js";
import { trustedCert } from "../helpers/trusted-cert.js";

const tls = trustedCert();
const tempDir = tempDirs("chat-oidc-device-");

if (tls) {
  forEachEngine("OpenID Connect device sign-in", (run) => {
    describe("through a provider that offers it", () => {
      const idp = new TestOidcProvider(tls);
      const plain = new TestOidcProvider(tls);
      let server: TestServer;
      const api = () => client(server.url);
      const begin = (id = "corp") => api().post(`/api/v1/auth/oidc/${id}/device`, {});
      const poll = (device_id: string) =>
        api().post("/api/v1/auth/oidc/device/token", { device_id });

      before(async () => {
        await idp.listen();
        await plain.listen();
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
                auto_create: true,
              }),
              plain.providerConfig(tempDir(), {
                id: "plain",
                name: "Plain",
                scopes: ["openid", "profile"],
                auto_create: true,
              }),
            ],
          },
        });
        idp.register(server.url, ["corp"], { deviceFlow: true });
        plain.register(server.url, ["plain"]);
      });
      after(async () => {
        await server.stop();
        await idp.stop();
        await plain.stop();
      });

      it("is pending until the code is entered, then is the session, once", async () => {
        idp.accounts.set("sub-dev", { preferred_username: "dev", name: "Dev", groups: ["chat"] });
        idp.nextLogin = "sub-dev";
        const started = await begin();
        assert.equal(started.status, 200, started.text);
        assert.equal(started.headers.get("cache-control"), "no-store");
        const { device_id, user_code, verification_uri, verification_uri_complete, interval } =
          started.body;
        assert.match(user_code, /\S{4}/);
        assert.ok(verification_uri.startsWith(idp.issuer), verification_uri);
        assert.equal(interval, 1);
        assert.ok(!device_id.includes(user_code), "the handle does not show the code");

        const waiting = await poll(device_id);
        assert.equal(waiting.status, 202, waiting.text);
        assert.deepEqual(waiting.body, { pending: true, interval: 1 });

        assert.match(await confirmDevice(verification_uri_complete), /Sign-in Success/);
        const done = await poll(device_id);
        assert.equal(done.status, 200, done.text);
        assert.equal(done.body.user.username, "dev");
        assert.equal(done.body.user.display_name, "Dev");
        const sessions = await api().get("/api/v1/sessions", { token: done.body.token });
        assert.equal(sessions.status, 200, sessions.text);
        assert.deepEqual(
          sessions.body.sessions.map((s: { method: string }) => s.method),
          ["oidc:corp"],
        );

        const again = await poll(device_id);
        assert.equal(again.status, 401, again.text);
        assert.equal(again.body.error.code, "sign_in_failed");
      });

      it("refuses a person who said no, or who is outside the access group", async () => {
        idp.nextLogin = "deny";
        const denied = (await begin()).body;
        await confirmDevice(denied.verification_uri_complete);
        const no = await poll(denied.device_id);
        assert.equal(no.status, 403, no.text);
        assert.equal(no.body.error.code, "sign_in_refused");

        idp.accounts.set("sub-out", { preferred_username: "outsider", groups: ["sales"] });
        idp.nextLogin = "sub-out";
        const outside = (await begin()).body;
        await confirmDevice(outside.verification_uri_complete);
        const refused = await poll(outside.device_id);
        assert.equal(refused.status, 403, refused.text);
        assert.equal(refused.body.error.code, "sign_in_refused");
        const made = await server.ctx.store.users.byUsername("outsider");
        assert.equal(made, undefined, "no account for someone outside the group");
      });

      it("knows no handle it did not seal, and refuses bad input with a clear error", async () => {
        const { device_id } = (await begin()).body;
        const changed = `${device_id.slice(0, -4)}AAAA`;
        for (const handle of [changed, "not-a-handle", "a.b.c.d.e"]) {
          const res = await poll(handle);
          assert.equal(res.status, 401, res.text);
          assert.equal(res.body.error.code, "sign_in_failed");
        }
        const empty = await poll("");
        assert.equal(empty.status, 400, empty.text);
        const long = await poll("x".repeat(5000));
        assert.equal(long.status, 400, long.text);
        const unknown = await begin("nope");
        assert.equal(unknown.status, 404, unknown.text);
      });

      it("answers 404 for a provider without device sign-in, naming the other way", async () => {
        const res = await begin("plain");
        assert.equal(res.status, 404, res.text);
        assert.equal(res.body.error.code, "not_found");
        assert.match(res.body.error.message, /offers no device sign-in/);
      });
    });
  });
}
