/**
 * The sign-in throttle counts a wrong directory password like a wrong local one, on both
 * engines: after `max_auth_attempts` of them, even the right password is refused with
 * 429 until the window ends.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { forEachEngine } from "../helpers/engines.js";
import { client } from "../helpers/http.js";
import { slapdMissing, TestLdapServer } from "../helpers/ldap-server.js";
import type { TestServer } from "../helpers/server.js";
import { tempDirs } from "../helpers/temp-dirs.js";

const tempDir = tempDirs("chat-ldap-throttle-");
const PASSWORD = "pw-test-zed-directory";

forEachEngine("LDAP sign-in throttle", (run) => {
  describe("with a directory", { skip: slapdMissing() }, () => {
    let ldap: TestLdapServer;
    let server: TestServer;

    before(async () => {
      ldap = new TestLdapServer(tempDir());
      await ldap.start();
      await ldap.addPerson("zed", PASSWORD);
      server = await run.start({
        rate_limit: { enabled: true, max_auth_attempts: 3 },
        ldap: ldap.config(),
      });
    });
    after(async () => {
      await server?.stop();
      await ldap?.stop();
    });

    it("locks the name out after wrong directory passwords", async () => {
      const login = (password: string) =>
        client(server.url).post("/api/v1/auth/login", { username: "zed", password });
      for (let i = 0; i < 3; i += 1) {
        const wrong = await login("pw-test-wrong");
        assert.equal(wrong.status, 401, wrong.text);
      }
      const locked = await login(PASSWORD);
      assert.equal(locked.status, 429, locked.text);
      assert.equal(locked.body.error.code, "too_many_auth_attempts");
    });
  });
});
