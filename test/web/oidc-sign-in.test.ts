/**
 * Signing in through an OpenID Connect provider in the web app, with headless Chromium
 * and a real provider (oidc-provider over HTTPS on 127.0.0.1): the "Sign in with
 * <name>" button leads to the provider and back into the app, signed in (the account made
 * at the first sign-in); a refusal at the provider comes back as a message on the sign-in
 * page; a one-time code already used is refused; a terminal client's code is shown to
 * paste. The sign-in page with its provider
 * button and its error passes axe in both themes, at a desktop and a phone width.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { launchBrowser } from "../helpers/browser.js";
import { createUser } from "../helpers/factories.js";
import { TestOidcProvider } from "../helpers/oidc-provider.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { tempDirs } from "../helpers/temp-dirs.js";
import { trustedCert } from "../helpers/trusted-cert.js";
import { passesAxe, visible, watchErrors } from "./helpers.js";

const tls = trustedCert();
const tempDir = tempDirs("chat-web-oidc-");

if (tls) {
  describe("signing in through a provider in the web app", { timeout: 180_000 }, () => {
    const idp = new TestOidcProvider(tls);
    let server: TestServer;
    let browser: Browser;
    let context: BrowserContext;
    let page: Page;
    const errors: string[] = [];

    before(async () => {
      await idp.listen();
      server = await startTestServer({
        rate_limit: { enabled: false },
        oidc: {
          providers: [
            idp.providerConfig(tempDir(), {
              id: "corp",
              name: "Corp SSO",
              scopes: ["openid", "profile", "groups"],
              auto_create: true,
            }),
          ],
        },
      });
      idp.register(server.url, ["corp"]);
      browser = await launchBrowser();
      // The provider's certificate is the test's own: the browser is told to take it, as a
      // person's machine trusts their organisation's provider.
      context = await browser.newContext({ ignoreHTTPSErrors: true });
      page = await context.newPage();
      watchErrors(page, errors);
    });
    after(async () => {
      await browser?.close();
      await server?.stop();
      await idp.stop();
    });

    it("goes to the provider and comes back signed in", async () => {
      idp.accounts.set("sub-hal", { preferred_username: "hal", name: "Hal Provider" });
      idp.nextLogin = "sub-hal";
      await page.goto(server.url);
      await page.getByRole("link", { name: "Sign in with Corp SSO" }).click();
      await visible(page.getByRole("heading", { name: "Chats" }));
      assert.equal(new URL(page.url()).hash, "", "the one-time code is gone from the address");
      const me = await page.evaluate(() => (globalThis as any).localStorage.getItem("pc.session"));
      assert.match(me ?? "", /"username":"hal"/);
    });

    it("shows the provider's refusal on the sign-in page", async () => {
      await page.evaluate(() => (globalThis as any).localStorage.clear());
      await context.clearCookies();
      idp.nextLogin = "deny";
      await page.goto(server.url);
      await page.getByRole("link", { name: "Sign in with Corp SSO" }).click();
      await visible(page.getByRole("alert").filter({ hasText: "Corp SSO said no" }));

      // A code that was never handed out (or was used): a new page load reads it.
      await page.goto("about:blank");
      await page.goto(`${server.url}/#/oidc/${"A".repeat(43)}`);
      await visible(page.getByRole("alert").filter({ hasText: "sign-in code is unknown" }));

      // A terminal client's sign-in: the code is shown, to paste there, not used here.
      await page.goto("about:blank");
      await page.goto(`${server.url}/#/oidc-terminal/${"B".repeat(43)}`);
      const shown = page.getByRole("status").filter({ hasText: "Paste this code" });
      await visible(shown);
      await visible(shown.getByText("B".repeat(43)));
    });

    it("links a password account to the provider from Settings", async () => {
      const user = await createUser(server.url);
      const linking = await context.newPage();
      watchErrors(linking, errors);
      await linking.goto(server.url);
      await linking.getByLabel("Username").fill(user.username);
      await linking.getByLabel("Password").fill(user.password);
      await linking.getByRole("button", { name: "Sign in" }).click();
      await visible(linking.getByRole("heading", { name: "Chats" }));
      await linking.evaluate(`location.hash = "#/settings"`);
      const providers = linking.getByRole("list", { name: "Sign-in providers" });
      await visible(providers.getByText("Not linked"));
      await linking.getByRole("button", { name: "Link Corp SSO" }).click();
      await linking.getByLabel("Your password").fill(user.password);
      idp.accounts.set("sub-ivo", { preferred_username: "ivo.corp", name: "Ivo" });
      idp.nextLogin = "sub-ivo";
      await linking.getByRole("button", { name: "Continue" }).click();
      await visible(linking.getByRole("status").filter({ hasText: "Linked." }));
      await visible(providers.getByText("Linked", { exact: true }));
      assert.equal(new URL(linking.url()).hash, "#/settings");
      await passesAxe(linking, "Settings with a linked provider");
      await linking.close();
    });

    it("passes axe with the provider button and an error, in both themes and widths", async () => {
      await passesAxe(page, "the sign-in page with a provider and an error");
      assert.deepEqual(
        errors.filter((e) => !/401|Unauthorized/.test(e)),
        [],
      );
    });
  });
}
