/**
 * The admin console's users section in a real browser against a real server: finding and
 * creating accounts, disabling one (its open browser is signed out), ending its sessions,
 * removing a lost second factor, and the console refused to anyone who is not an
 * administrator.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Browser, Page } from "playwright-core";
import { enrolTotp } from "../auth/two-factor-fixture.js";
import { launchBrowser } from "../helpers/browser.js";
import { createUser, type TestUser } from "../helpers/factories.js";
import { request } from "../helpers/http.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { signIn, visible, WAIT, watchErrors } from "./helpers.js";

const ENDED = "Your session has ended. Please sign in again.";

describe("admin console: users", { timeout: 180_000 }, () => {
  let server: TestServer;
  let browser: Browser;
  let admin: TestUser;
  const errors: string[] = [];

  before(async () => {
    server = await startTestServer({ rate_limit: { enabled: false } });
    browser = await launchBrowser();
    // The first account of a fresh server is its administrator.
    admin = await createUser(server.url);
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  /** A page of its own browser context (its own storage), signed in as `user`. */
  async function browserOf(user: TestUser): Promise<Page> {
    const page = await (await browser.newContext()).newPage();
    watchErrors(page, errors);
    await signIn(page, server.url, { username: user.username, displayName: user.username });
    return page;
  }

  /** The admin's console at the users section, reached from the conversation list. */
  async function openConsole(): Promise<Page> {
    const page = await browserOf(admin);
    await page.getByRole("link", { name: "Administration" }).click();
    await visible(page.getByRole("navigation", { name: "Console sections" }));
    await visible(page.getByRole("heading", { name: "Accounts" }));
    return page;
  }

  /** Finds `user` by the search and opens their actions. */
  async function manage(page: Page, user: TestUser) {
    await page.getByLabel("Search by username").fill(user.username);
    const row = page
      .getByRole("list", { name: "Accounts" })
      .getByRole("listitem")
      .filter({ hasText: `@${user.username}` });
    await row.getByRole("button", { name: `Manage ${user.username}` }).click();
    return row;
  }

  it("finds an account, and creates one whose generated password signs in", async () => {
    const bob = await createUser(server.url);
    const carol = await createUser(server.url);
    const page = await openConsole();
    const accounts = page.getByRole("list", { name: "Accounts" });
    await visible(accounts.getByText(`@${carol.username}`));
    await page.getByLabel("Search by username").fill(bob.username.slice(0, -2).toUpperCase());
    await visible(page.getByRole("status").getByText("1 account"));
    await visible(accounts.getByText(`@${bob.username}`));
    assert.equal(await accounts.getByText(`@${carol.username}`).count(), 0);

    const form = page.getByRole("form", { name: "Create an account" });
    const username = `dora_${Date.now().toString(36)}`;
    await form.getByLabel("Username", { exact: true }).fill(username);
    await form.getByLabel("Display name (optional)").fill("Dora");
    await form.getByRole("button", { name: "Create account" }).click();
    await visible(form.getByRole("status").getByText(`Created @${username}.`));
    const shown = form.getByLabel(`Password for ${username}`);
    await visible(shown);
    assert.equal(await shown.getAttribute("readonly"), "");
    const password = await shown.inputValue();
    assert.ok(password.length >= 12, password);

    const dora = await (await browser.newContext()).newPage();
    watchErrors(dora, errors);
    await dora.goto(server.url);
    await dora.getByLabel("Username").fill(username);
    await dora.getByLabel("Password").fill(password);
    await dora.getByRole("button", { name: "Sign in" }).click();
    await visible(dora.getByRole("heading", { name: "Chats" }));
    // Not an administrator: the box was left unticked.
    assert.equal(await dora.getByRole("link", { name: "Administration" }).count(), 0);
    await dora.context().close();
    await page.context().close();
  });

  it("disables an account, signing out its open browser, and enables it again", async () => {
    const bob = await createUser(server.url);
    const bobs = await browserOf(bob);
    const page = await openConsole();
    const row = await manage(page, bob);
    await row.getByRole("button", { name: "Disable account" }).click();
    await visible(row.getByText("disabled", { exact: true }));
    await visible(bobs.getByText(ENDED));
    await visible(bobs.getByRole("button", { name: "Sign in" }));

    await row.getByRole("button", { name: "Enable account" }).click();
    await visible(row.getByRole("button", { name: "Disable account" }));
    assert.equal(await row.getByText("disabled", { exact: true }).count(), 0);
    await signIn(bobs, server.url, { username: bob.username, displayName: bob.username });
    await bobs.context().close();
    await page.context().close();
  });

  it("shows the server's refusal when an administrator would demote themselves", async () => {
    const page = await openConsole();
    const row = await manage(page, admin);
    await visible(row.getByText("you", { exact: true }));
    await row.getByRole("button", { name: "Remove admin rights" }).click();
    await visible(row.getByRole("alert").filter({ hasText: "your own admin rights" }));
    await visible(row.getByText("admin", { exact: true }));
    await page.context().close();
  });

  it("deletes an account once its username is typed; it stays listed, deleted", async () => {
    const eve = await createUser(server.url);
    const page = await openConsole();
    const row = await manage(page, eve);
    await row.getByRole("button", { name: "Delete account…" }).click();
    const confirm = row.getByRole("form", { name: `Delete @${eve.username} for good?` });
    const go = confirm.getByRole("button", { name: "Delete for good" });
    assert.equal(await go.isDisabled(), true);
    await confirm.getByLabel("Type the username to confirm").fill(eve.username);
    await go.click();
    await visible(row.getByText("deleted", { exact: true }));
    assert.equal(await row.getByRole("button").count(), 0);
    await page.context().close();
  });

  it("lists an account's sessions and ends them, signing its browser out", async () => {
    const bob = await createUser(server.url);
    const bobs = await browserOf(bob);
    const page = await openConsole();
    const row = await manage(page, bob);
    const sessions = row.getByRole("list", { name: `Sessions of ${bob.username}` });
    // The factory's API session and the browser's.
    await visible(sessions.getByRole("listitem").nth(1));
    await visible(sessions.getByText("Chrome on Linux"));
    const api = sessions.getByRole("listitem").filter({ hasNotText: "Chrome on Linux" });
    await api.getByRole("button", { name: "End session" }).click();
    await sessions.getByRole("listitem").nth(1).waitFor({ state: "detached", timeout: WAIT });
    // Ending another session left this one signed in.
    await visible(bobs.getByRole("heading", { name: "Chats" }));
    assert.equal(await bobs.getByText(ENDED).count(), 0);

    await row.getByRole("button", { name: "End all sessions" }).click();
    await visible(page.getByText("1 session ended."));
    await visible(row.getByText("No live sessions."));
    await visible(bobs.getByText(ENDED));
    await bobs.context().close();
    await page.context().close();
  });

  it("removes the second factors of someone who lost their phone", async () => {
    const cam = await enrolTotp(server.url, await createUser(server.url));
    const page = await openConsole();
    const row = await manage(page, cam);
    await row.getByRole("button", { name: "Remove second factors" }).click();
    await visible(row.getByRole("status").filter({ hasText: "password alone" }));
    assert.equal(await row.getByRole("button", { name: "Remove second factors" }).count(), 0);
    const signedIn = await request(server.url, "POST", "/api/v1/auth/login", {
      body: { username: cam.username, password: cam.password },
    });
    assert.equal(signedIn.status, 200, "the password alone signs in");
    await page.context().close();
  });

  it("is not offered to a member, and refuses one who opens it", async () => {
    const bob = await createUser(server.url);
    const page = await browserOf(bob);
    await visible(page.getByRole("link", { name: "Settings", exact: true }));
    assert.equal(await page.getByRole("link", { name: "Administration" }).count(), 0);
    await page.evaluate(`location.hash = "#/admin"`);
    await visible(page.getByText("Only administrators can open the console."));
    assert.equal(await page.getByRole("navigation", { name: "Console sections" }).count(), 0);
    assert.equal(await page.getByRole("heading", { name: "Accounts" }).count(), 0);
    await page.context().close();
  });

  it("logged no errors", () => {
    // Expected refusals: a signed-out browser's last calls (401), a disabled account's
    // sign-in (403) and the administrator's demotion of themselves (400).
    assert.deepEqual(
      errors.filter((e) => !/status of 40[013]\b/.test(e)),
      [],
    );
  });
});
