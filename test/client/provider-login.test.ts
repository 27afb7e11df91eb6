/**
 * chat-client login --provider, as a child process against a real server and a real
 * OpenID Connect provider: it prints the address to open, the "browser" (the test,
 * following the redirects) signs in there and gets the code to paste, and the client
 * saves the session; an unknown provider is a usage error naming the known ones.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { configDir, removeConfigDirs, run, start, stop, waitFor } from "../helpers/client-cli.js";
import { followSignIn, TestOidcProvider } from "../helpers/oidc-provider.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { tempDirs } from "../helpers/temp-dirs.js";
import { trustedCert } from "../helpers/trusted-cert.js";

const tls = trustedCert(import.meta.url);
const tempDir = tempDirs("chat-client-oidc-");

if (tls) {
  describe("chat-client login --provider", () => {
    const idp = new TestOidcProvider(tls);
    let server: TestServer;

    before(async () => {
      await idp.listen();
      server = await startTestServer({
        rate_limit: { enabled: false },
        oidc: {
          providers: [
            idp.providerConfig(tempDir(), {
              id: "corp",
              name: "Corp SSO",
              scopes: ["openid", "profile"],
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
      removeConfigDirs();
    });

    it("prints the address, takes the code the browser shows and saves the session", async () => {
      idp.accounts.set("sub-ida", { preferred_username: "ida" });
      idp.nextLogin = "sub-ida";
      const dir = configDir();
      const login = start(["login", "--server", server.url, "--provider", "corp"], dir, null);
      try {
        const address = /^ {2}(https?:\/\/\S+)$/m;
        await waitFor("the address", login.stderr, (text) => address.test(text));
        const url = address.exec(login.stderr())?.[1] as string;
        assert.equal(url, `${server.url}/api/v1/auth/oidc/corp/start?for=terminal`);
        const end = await followSignIn(url);
        assert.equal(end.route[0], "oidc-terminal", end.route.join("/"));
        login.child.stdin?.end(`${end.route[1]}\n`);
        const done = await login.done;
        assert.equal(done.code, 0, done.stderr);
        assert.match(done.stdout, /^logged in as ida on /);
      } finally {
        stop(login);
      }
      const whoami = await run(["whoami"], dir);
      assert.match(whoami.stdout, /^ida on /);
    });

    it("names the server's providers when asked for another", async () => {
      const wrong = await run(["login", "--server", server.url, "--provider", "nope"], configDir());
      assert.equal(wrong.code, 1);
      assert.match(wrong.stderr, /no sign-in provider "nope" \(it has: corp\)/);
    });
  });
}
