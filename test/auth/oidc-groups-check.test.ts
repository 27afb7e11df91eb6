/**
 * The periodic check follows a person's groups at the provider without a new sign-in, on
 * both engines: moved out of a group linked to a conversation, they are taken out of it;
 * into the admin group, made an administrator; out of the access group, disabled, their
 * socket closed.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { createGroup } from "../helpers/chat.js";
import { forEachEngine } from "../helpers/engines.js";
import { client } from "../helpers/http.js";
import { signInThrough, type TestAccount, TestOidcProvider } from "../helpers/oidc-provider.js";
import type { TestServer } from "../helpers/server.js";
import { connect } from "../helpers/socket.js";
import { tempDirs } from "../helpers/temp-dirs.js";
import { trustedCert } from "../helpers/trusted-cert.js";

const tls = trustedCert();
const tempDir = tempDirs("chat-oidc-check-");

/** Asks `probe` every 200 ms until it says yes; fails after `ms`. */
async function eventually(what: string, probe: () => Promise<boolean>, ms = 20_000) {
  const until = Date.now() + ms;
  while (!(await probe())) {
    if (Date.now() > until) assert.fail(`${what}: not within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

if (tls) {
  forEachEngine("the periodic check of a provider's groups", (run) => {
    describe("groups followed between sign-ins", () => {
      const idp = new TestOidcProvider(tls);
      let server: TestServer;

      before(async () => {
        await idp.listen();
        server = await run.start({
          rate_limit: { enabled: false },
          oidc: {
            check_interval_seconds: 1,
            providers: [
              idp.providerConfig(tempDir(), {
                id: "corp",
                name: "Corp",
                scopes: ["openid", "profile", "groups"],
                groups_claim: "groups",
                access_group: "chat",
                admin_group: "chat-admins",
                auto_create: true,
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

      const signInAs = (sub: string, account: TestAccount) =>
        signInThrough(server.url, idp, sub, account);

      it("moves a person with their groups, and disables one who left the access group", async () => {
        const api = client(server.url);
        const admin = await signInAs("sub-ada", {
          preferred_username: "ada",
          groups: ["chat", "chat-admins"],
        });
        const room = await createGroup(server.url, admin, [], "Design");
        const made = await api.post(
          "/api/v1/admin/group-links",
          { source: "oidc:corp", group: "design", conversation_id: room.id },
          { token: admin.token },
        );
        assert.equal(made.status, 201, made.text);
        const max = await signInAs("sub-max", {
          preferred_username: "max",
          groups: ["chat", "design"],
        });
        const inRoom = async () =>
          (await api.get(`/api/v1/conversations/${room.id}`, { token: max.token })).status === 200;
        assert.ok(await inRoom(), "in the group: added at sign-in");
        const socket = await connect(server.url, max.token);

        idp.accounts.set("sub-max", { preferred_username: "max", groups: ["chat"] });
        await eventually("taken out of the room", async () => !(await inRoom()));

        idp.accounts.set("sub-max", { preferred_username: "max", groups: ["chat", "chat-admins"] });
        await eventually(
          "made an administrator",
          async () =>
            (await api.get("/api/v1/me", { token: max.token })).body.user?.is_admin === true,
        );

        idp.accounts.set("sub-max", { preferred_username: "max", groups: ["elsewhere"] });
        const closed = await socket.closed;
        assert.equal(closed.code, 4401);
        assert.equal((await api.get("/api/v1/me", { token: max.token })).status, 401);

        const audit = await api.get("/api/v1/admin/audit", { token: admin.token });
        const actions = audit.body.entries.map((e: { action: string }) => e.action);
        for (const action of ["group_link.member_removed", "user.promote", "user.disable"])
          assert.ok(actions.includes(action), `${action} in ${actions.join()}`);
      });
    });
  });
}
