/**
 * chat-client login --provider, as a child process against a real server and real
 * OpenID Connect providers. With a provider that offers device sign-in, it prints the
 * provider's address and code, the "browser" (the test) enters the code there, and the
 * client, polling, saves the session. With one that does not, it prints the address to
 * open, the browser signs in there and gets the code to paste. An unknown provider is a
 * usage error naming the known ones.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { configDir, removeConfigDirs, run, start, stop, waitFor } from "../helpers/client-cli.js";
import { confirmDevice, followSignIn, TestOidcProvider } from "../helpers/oidc-provider.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { tempDirs } from "../helpers/temp-dirs.js";
import { trustedCert } from "../helpers/trusted-cert.js";

const tls = trustedCert();
const tempDir = tempDirs("chat-client-oidc-");

if (tls) {
  describe("chat-client login --provider", () => {
    const idp = new TestOidcProvider(tls);
    const deviceIdp = new TestOidcProvider(tls);
    let server: TestServer;

    before(async () => {
      await idp.listen();
      await deviceIdp.listen();
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
            deviceIdp.providerConfig(tempDir(), {
              id: "devices",
              name: "Device SSO",
              scopes: ["openid", "profile"],
              auto_create: true,
            }),
          ],
        },
      });
      idp.register(server.url, ["corp"]);
      deviceIdp.register(server.url, ["devices"], { deviceFlow: true });
    });
    after(async () => {
      await server.stop();
      await idp.stop();
      await deviceIdp.stop();
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

    it("shows the provider's code when it offers device sign-in, and waits for it", async () => {
      deviceIdp.accounts.set("sub-jo", { preferred_username: "jolene" });
      deviceIdp.nextLogin = "sub-jo";
      const dir = configDir();
      const login = start(["login", "--server", server.url, "--provider", "devices"], dir, null);
      try {
        const complete = /which carries the code:\n {2}(https:\/\/\S+)$/m;
        await waitFor("the address", login.stderr, (text) => complete.test(text));
        assert.match(login.stderr(), /^ {2}Code: \S+$/m);
        assert.match(login.stderr(), new RegExp(`^ {2}${deviceIdp.issuer}/device$`, "m"));
        await confirmDevice(complete.exec(login.stderr())?.[1] as string);
        const done = await login.done;
        assert.equal(done.code, 0, done.stderr);
        assert.match(done.stdout, /^logged in as jolene on /);
      } finally {
        stop(login);
      }
      assert.match((await run(["whoami"], dir)).stdout, /^jolene on /);
    });

    it("names the server's providers when asked for another", async () => {
      const wrong = await run(["login", "--server", server.url, "--provider", "nope"], configDir());
      assert.equal(wrong.code, 1);
      assert.match(wrong.stderr, /no sign-in provider "nope" \(it has: corp, devices\)/);
    });
  });
}
