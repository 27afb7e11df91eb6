/**
 * Links to messages in the web app: a link opened fresh in a new tab loads history back to
 * the message, highlights it and focuses it; Copy link puts that link on the clipboard;
 * and everyone who may not see the message (not a member, added after it, deleted, never
 * sent, a malformed link) gets the same "Message not found".
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { launchBrowser } from "../helpers/browser.js";
import { addMembers, createGroup, sendMessage } from "../helpers/chat.js";
import { createUser, type TestUser } from "../helpers/factories.js";
import { request } from "../helpers/http.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { messageList, PASSWORD, signIn, visible, WAIT, watchErrors } from "./helpers.js";

// The linked message is this many messages up: ten pages of history back.
const NEWER = 500;

describe("links to messages in the web app", { timeout: 240_000 }, () => {
  let server: TestServer;
  let browser: Browser;
  let aliceContext: BrowserContext;
  let alice: TestUser;
  let carol: TestUser;
  let dave: TestUser;
  let groupId: string;
  let linked: { id: string; seq: number };
  let deletedId: string;
  const errors: string[] = [];

  const link = (conversationId: string, messageId: string) =>
    `${server.url}/#/c/${conversationId}/m/${messageId}`;

  /** A signed-in context for `user`, allowed to use the clipboard. */
  async function contextFor(user: TestUser): Promise<BrowserContext> {
    const context = await browser.newContext();
    await context.grantPermissions(["clipboard-read", "clipboard-write"], {
      origin: server.url,
    });
    const page = await context.newPage();
    watchErrors(page, errors);
    await signIn(page, server.url, { username: user.username, displayName: user.username });
    await page.close();
    return context;
  }

  /** Opens `url` in a new tab of `context`, as someone following a link would. */
  async function follow(context: BrowserContext, url: string): Promise<Page> {
    const page = await context.newPage();
    watchErrors(page, errors);
    await page.goto(url);
    return page;
  }

  async function expectFound(page: Page, text: string, seq: number): Promise<void> {
    const found = messageList(page).locator("li.msg.found");
    await visible(found, WAIT * 3);
    assert.match((await found.textContent()) ?? "", new RegExp(text));
    const focused = await page.evaluate(() => {
      const active = (globalThis as any).document.activeElement;
      return active?.getAttribute("data-seq") ?? null;
    });
    assert.equal(focused, String(seq));
    // The link is replaced by the conversation's own address once it has done its job.
    assert.match(page.url(), new RegExp(`#/c/${groupId}$`));
  }

  async function expectNotFound(page: Page): Promise<void> {
    const heading = page.getByRole("heading", { name: "Message not found" });
    await visible(heading);
    await visible(page.getByText(/This message doesn't exist, was deleted, or is in a/));
    assert.equal(await messageList(page).count(), 0);
    assert.equal(
      await heading.evaluate((h) => h === (globalThis as any).document.activeElement),
      true,
    );
  }

  before(async () => {
    server = await startTestServer({ rate_limit: { enabled: false } });
    browser = await launchBrowser();
    [alice, carol, dave] = await Promise.all([
      createUser(server.url, { password: PASSWORD }),
      createUser(server.url, { password: PASSWORD }),
      createUser(server.url, { password: PASSWORD }),
    ]);
    const bob = await createUser(server.url, { password: PASSWORD });
    const group = await createGroup(server.url, bob, [alice], "Linked room");
    groupId = group.id;
    const first = await sendMessage(server.url, bob, groupId, "the linked message");
    linked = { id: first.id, seq: first.seq };
    const gone = await sendMessage(server.url, bob, groupId, "soon deleted");
    deletedId = gone.id;
    const deleted = await request(server.url, "DELETE", `/api/v1/messages/${deletedId}`, {
      token: bob.token,
    });
    assert.equal(deleted.status, 200);
    for (let i = 1; i <= NEWER; i++) await sendMessage(server.url, bob, groupId, `newer ${i}`);
    // Dave joins after all of it: the linked message is before his membership.
    await addMembers(server.url, bob, groupId, [dave]);
    aliceContext = await contextFor(alice);
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  it("opens a message 500 messages up in a fresh tab, highlighted and focused", async () => {
    const page = await follow(aliceContext, link(groupId, linked.id));
    await expectFound(page, "the linked message", linked.seq);
    await page.close();
  });

  it("Copy link puts the message's address on the clipboard, and following it works", async () => {
    const page = await follow(aliceContext, link(groupId, linked.id));
    await expectFound(page, "the linked message", linked.seq);
    const item = messageList(page).locator(`li[data-seq="${linked.seq}"]`);
    await item.hover();
    await item.getByRole("button", { name: "Copy link" }).click();
    await visible(page.getByRole("status").getByText("Link copied"));
    const copied = await page.evaluate(() => (globalThis as any).navigator.clipboard.readText());
    assert.equal(copied, link(groupId, linked.id));
    await page.close();
    const again = await follow(aliceContext, copied);
    await expectFound(again, "the linked message", linked.seq);
    await again.close();
  });

  it("opens the message after signing in, when the link came first", async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    watchErrors(page, errors);
    await page.goto(link(groupId, linked.id));
    await page.getByLabel("Username").fill(alice.username);
    await page.getByLabel("Password").fill(PASSWORD);
    await page.getByRole("button", { name: "Sign in" }).click();
    await expectFound(page, "the linked message", linked.seq);
    await context.close();
  });

  it("tells a non-member the message is not found", async () => {
    const context = await contextFor(carol);
    const page = await follow(context, link(groupId, linked.id));
    await expectNotFound(page);
    await context.close();
  });

  it("tells a member added after the message the same", async () => {
    const context = await contextFor(dave);
    const page = await follow(context, link(groupId, linked.id));
    await expectNotFound(page);
    await context.close();
  });

  it("says the same for a deleted message, one that never existed and a malformed link", async () => {
    for (const url of [
      link(groupId, deletedId),
      link(groupId, "no-such-message"),
      link(groupId, "x".repeat(100)),
      `${server.url}/#/c/${groupId}/m/%E0%A4%A`,
      `${server.url}/#/c//m/`,
      // The message exists, but the link names another conversation.
      link("another-conversation", linked.id),
    ]) {
      const page = await follow(aliceContext, url);
      await expectNotFound(page);
      await page.close();
    }
    // The expected 404s and the 400 of an id too long show in the console, and nothing else.
    assert.deepEqual(
      errors.filter((e) => !/the server responded with a status of 40[04]/.test(e)),
      [],
    );
  });
});
