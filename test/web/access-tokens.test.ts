/**
 * Access tokens in the web app's Settings: a token is made with chosen scopes and an
 * expiry, shown once, works on the API within its scopes, is listed without its secret,
 * and stops when revoked. The card passes axe with a token listed and one just made.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { AxeBuilder } from "@axe-core/playwright";
import type { Browser, Page } from "playwright-core";
import { launchBrowser } from "../helpers/browser.js";
import { createUser, type TestUser } from "../helpers/factories.js";
import { client } from "../helpers/http.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { gone, signIn, visible, watchErrors } from "./helpers.js";

describe("access tokens in Settings", () => {
  let server: TestServer;
  let browser: Browser;
  let alice: TestUser;
  let page: Page;
  const errors: string[] = [];

  before(async () => {
    server = await startTestServer({ rate_limit: { enabled: false } });
    browser = await launchBrowser();
    await createUser(server.url); // the administrator: alice is a plain user
    alice = await createUser(server.url);
    // AxeBuilder needs a page of a context of our own.
    page = await (await browser.newContext()).newPage();
    watchErrors(page, errors);
    await signIn(page, server.url, { username: alice.username, displayName: alice.username });
    await page.evaluate(`location.hash = "#/settings"`);
    await visible(page.getByRole("heading", { name: "Access tokens" }));
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  const card = () => page.getByRole("region", { name: "Access tokens" });

  it("makes a token with the chosen scopes and shows it once", async () => {
    await visible(card().getByText("You have no tokens."));
    // A plain user is not offered the admin scope.
    assert.equal(
      await card()
        .getByRole("checkbox", { name: /Administration/ })
        .count(),
      0,
    );
    await card().getByLabel("Token name").fill("nightly report");
    await card()
      .getByRole("checkbox", { name: /Send, edit and react/ })
      .check();
    await card().getByLabel("Expires after").selectOption({ label: "Never" });
    await card().getByRole("button", { name: "Create token" }).click();
    const field = card().getByLabel("New token");
    await visible(field);
    const token = await field.inputValue();
    assert.match(token, /^pct_[A-Za-z0-9]{40}$/);
    const me = await client(server.url).get("/api/v1/me", { token });
    assert.equal(me.body.user.id, alice.id);
    const outside = await client(server.url).get("/api/v1/conversations", { token });
    assert.equal(outside.status, 403);
    const list = card().getByRole("list", { name: "Your access tokens" });
    await visible(list.locator(".strong", { hasText: "nightly report" }));
    await visible(list.getByText("messages:write"));
    assert.ok(!(await list.textContent())?.includes(token));
  });

  it("passes axe with a token listed and one just made", async () => {
    const result = await new AxeBuilder({ page })
      .include("[aria-labelledby=tokens-title]")
      .analyze();
    assert.deepEqual(
      result.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" "))}`),
      [],
    );
  });

  it("revokes a token, which then stops working", async () => {
    const token = await card().getByLabel("New token").inputValue();
    await card().getByRole("button", { name: "Revoke nightly report" }).click();
    await visible(card().getByText("You have no tokens."));
    await gone(card().getByRole("list", { name: "Your access tokens" }));
    const me = await client(server.url).get("/api/v1/me", { token });
    assert.equal(me.status, 401);
    assert.deepEqual(errors, []);
  });
});
