/**
 * Accounts and layout: registration modes, keyboard-only sign-in, settings (sessions,
 * password, sign out, deleting the account), a session ended elsewhere, and single-pane
 * navigation on a phone.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Browser } from "playwright-core";
import { openPromise } from "yauzl";
import { launchBrowser } from "../helpers/browser.js";
import { createDirect, sendMessage } from "../helpers/chat.js";
import { createUser, type TestUser } from "../helpers/factories.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { conversationLink, gone, PASSWORD, signIn, visible, watchErrors } from "./helpers.js";

describe("registration modes", { timeout: 120_000 }, () => {
  let browser: Browser;
  before(async () => {
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
  });

  it("asks for an invite code when the server requires one", async () => {
    const server = await startTestServer({ auth: { registration: "invite" } });
    try {
      const page = await browser.newPage();
      await page.goto(server.url);
      await page.getByRole("button", { name: "Create an account" }).click();
      await visible(page.getByLabel("Invite code"));
      await page.close();
    } finally {
      await server.stop();
    }
  });

  it("offers no registration when it is closed", async () => {
    const server = await startTestServer({ auth: { registration: "closed" } });
    try {
      const page = await browser.newPage();
      await page.goto(server.url);
      await visible(page.getByRole("button", { name: "Sign in" }));
      assert.equal(await page.getByRole("button", { name: "Create an account" }).count(), 0);
      await page.close();
    } finally {
      await server.stop();
    }
  });
});

describe("account and layout", { timeout: 120_000 }, () => {
  let server: TestServer;
  let browser: Browser;
  let alice: TestUser;
  let bob: TestUser;
  let direct: string;
  const errors: string[] = [];
  const me = () => ({ username: alice.username, displayName: alice.username });

  before(async () => {
    server = await startTestServer({ rate_limit: { enabled: false } });
    browser = await launchBrowser();
    alice = await createUser(server.url, { password: PASSWORD });
    bob = await createUser(server.url, { password: PASSWORD });
    direct = (await createDirect(server.url, alice, bob)).id;
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  it("signs in with the keyboard only", async () => {
    const page = await browser.newPage();
    watchErrors(page, errors);
    await page.goto(server.url);
    await page.getByLabel("Username").focus();
    await page.keyboard.type(alice.username);
    await page.keyboard.press("Tab");
    await page.keyboard.type(PASSWORD);
    await page.keyboard.press("Enter");
    await visible(page.getByRole("heading", { name: "Chats" }));
    await page.close();
  });

  it("downloads my data from Settings as a zip", async () => {
    await sendMessage(server.url, alice, direct, "in my export");
    const page = await (await browser.newContext({ acceptDownloads: true })).newPage();
    watchErrors(page, errors);
    await signIn(page, server.url, me());
    await page.getByRole("link", { name: "Settings", exact: true }).click();
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("button", { name: "Download my data" }).click(),
    ]);
    assert.match(download.suggestedFilename(), /^private-chat-export-.+-\d{4}-\d{2}-\d{2}\.zip$/);
    const path = await download.path();
    const zip = await openPromise(path, { lazyEntries: true });
    const names: string[] = [];
    for await (const entry of zip.eachEntry()) names.push(entry.fileName);
    zip.close();
    assert.ok(
      names.includes("profile.json") && names.includes(`messages/${direct}.jsonl`),
      names.join(),
    );
    await visible(page.getByRole("button", { name: "Download my data" }));
    await page.context().close();
  });

  it("signs out other sessions, which then ask to sign in again", async () => {
    const other = await (await browser.newContext()).newPage();
    watchErrors(other, errors);
    await signIn(other, server.url, me());
    const page = await (await browser.newContext()).newPage();
    watchErrors(page, errors);
    await signIn(page, server.url, me());
    await page.getByRole("link", { name: "Settings", exact: true }).click();
    await visible(page.getByText("this device", { exact: true }));
    await page.getByRole("button", { name: /^Sign out other sessions/ }).click();
    await visible(page.getByText("Signed out of other sessions."));
    await visible(other.getByText("Your session has ended. Please sign in again."));
    await visible(other.getByRole("button", { name: "Sign in" }));
    await visible(page.getByRole("button", { name: "Sign out other sessions" }));
    await other.context().close();

    // Change the password, sign out, and sign in with the new one.
    await page.getByLabel("Current password").fill(PASSWORD);
    await page.getByLabel("New password", { exact: true }).fill("a brand new password");
    await page.getByLabel("Confirm new password").fill("a brand new password");
    await page.getByRole("button", { name: "Change password" }).click();
    await visible(page.getByText("Password changed."));
    await page.getByRole("button", { name: "Sign out", exact: true }).click();
    await visible(page.getByRole("button", { name: "Sign in" }));
    await page.reload();
    await page.getByLabel("Username").fill(alice.username);
    await page.getByLabel("Password").fill(PASSWORD);
    await page.getByRole("button", { name: "Sign in" }).click();
    await visible(page.getByRole("alert").getByText("Wrong username or password."));
    await page.getByLabel("Password").fill("a brand new password");
    await page.getByRole("button", { name: "Sign in" }).click();
    await visible(page.getByRole("heading", { name: "Chats" }));
    await page.context().close();
    alice.password = "a brand new password";
  });

  it("deletes the account after asking for the password, and signs out", async () => {
    const carol = await createUser(server.url, { password: PASSWORD });
    await createDirect(server.url, carol, bob);
    // Bob has the conversation open while carol deletes her account.
    const other = await (await browser.newContext()).newPage();
    watchErrors(other, errors);
    await signIn(other, server.url, { username: bob.username, displayName: bob.username });
    await conversationLink(other, carol.username).click();
    await visible(other.getByRole("textbox", { name: "Message" }));
    const page = await (await browser.newContext()).newPage();
    watchErrors(page, errors);
    await signIn(page, server.url, { username: carol.username, displayName: carol.username });
    await page.getByRole("link", { name: "Settings", exact: true }).click();
    const card = page.getByRole("form", { name: "Delete account" });
    await visible(card.getByText(/shown as from “Deleted user”/));
    await card.getByRole("button", { name: "Delete my account…" }).click();
    await card.getByLabel("Your password").fill("not my password");
    await card.getByRole("button", { name: "Delete my account for good" }).click();
    await visible(card.getByRole("alert"));
    await card.getByLabel("Your password").fill(PASSWORD);
    await card.getByRole("button", { name: "Delete my account for good" }).click();
    await visible(page.getByText("Your account was deleted."));
    await visible(page.getByRole("button", { name: "Sign in" }));
    await page.context().close();

    // Bob's open conversation turns into one with a deleted user, without a reload: it
    // reads as before but offers no message box.
    await visible(conversationLink(other, "Deleted user"));
    await visible(other.getByRole("note").getByText(/This account was deleted/));
    assert.equal(await other.getByRole("textbox", { name: /message/i }).count(), 0);
    await other.context().close();
  });

  it("shows one pane at a time at phone width", async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 800 } });
    const page = await context.newPage();
    watchErrors(page, errors);
    await page.goto(server.url);
    await page.getByLabel("Username").fill(alice.username);
    await page.getByLabel("Password").fill(alice.password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await conversationLink(page, bob.username).click();
    const heading = page.getByRole("heading", { name: bob.username, level: 2 });
    await visible(heading);
    await gone(page.getByRole("navigation", { name: "Conversations" }));
    const box = await page.getByLabel("Message", { exact: true }).boundingBox();
    assert.ok(
      box && box.x >= 0 && box.x + box.width <= 390,
      `composer fits: ${JSON.stringify(box)}`,
    );
    await page.getByRole("link", { name: "Back to conversations" }).click();
    await visible(conversationLink(page, bob.username));
    await gone(heading);
    const width = await page.evaluate(
      () => (globalThis as any).document.documentElement.scrollWidth,
    );
    assert.ok(width <= 390, `no horizontal scrolling (${width})`);
    await context.close();
  });

  it("logged no errors", () => {
    // A refused sign-in logs the 401 response; nothing else may appear.
    assert.deepEqual(
      errors.filter((e) => !/status of 401/.test(e)),
      [],
    );
  });
});
