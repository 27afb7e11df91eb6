/**
 * Long history loads upward as you scroll; the conversation list keeps the most recent
 * activity first with unread counts, and shows who is online.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Browser, Page } from "playwright-core";
import { launchBrowser } from "../helpers/browser.js";
import { createDirect, createGroup, sendMessage } from "../helpers/chat.js";
import { createUser, type TestUser } from "../helpers/factories.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import {
  bubbleTexts,
  conversationLink,
  messageList,
  PASSWORD,
  signedInPage,
  signIn,
  visible,
  WAIT,
} from "./helpers.js";

const COUNT = 130;

describe("history and the conversation list", { timeout: 120_000 }, () => {
  let server: TestServer;
  let browser: Browser;
  let page: Page;
  let alice: TestUser;
  let bob: TestUser;
  let directId: string;
  let groupId: string;
  const errors: string[] = [];

  const say = (who: TestUser, conversationId: string, body: string) =>
    sendMessage(server.url, who, conversationId, body);

  before(async () => {
    server = await startTestServer({ rate_limit: { enabled: false } });
    browser = await launchBrowser();
    alice = await createUser(server.url, { password: PASSWORD });
    bob = await createUser(server.url, { password: PASSWORD });
    directId = (await createDirect(server.url, bob, alice)).id;
    for (let i = 1; i <= COUNT; i++) await say(i % 2 ? bob : alice, directId, `history ${i}`);
    groupId = (await createGroup(server.url, bob, [alice], "Later group")).id;
    await say(bob, groupId, "newest activity");
    page = await signedInPage(browser, server.url, alice, errors);
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  const order = () =>
    page
      .getByRole("navigation", { name: "Conversations" })
      .locator(".conv-title")
      .allTextContents();

  it("lists the most recent activity first, with unread counts", async () => {
    await visible(conversationLink(page, "Later group"));
    const titles = await order();
    assert.deepEqual(titles, ["Later group", bob.username]);
    // Alice's own messages are not unread: only Bob's after her last one.
    await visible(conversationLink(page, "Later group").getByText("1 unread"));
  });

  it("starts at the newest message and loads older ones while scrolling up", async () => {
    await conversationLink(page, bob.username).click();
    await visible(messageList(page).getByText(`history ${COUNT}`, { exact: true }));
    assert.equal(await messageList(page).getByText("history 1", { exact: true }).count(), 0);
    const beginning = page.getByText("This is the beginning of the conversation.");
    for (let i = 0; i < 40 && !(await beginning.isVisible()); i++) {
      await messageList(page).hover();
      await page.mouse.wheel(0, -4000);
      await page.waitForTimeout(50);
    }
    await visible(beginning);
    const texts = await bubbleTexts(page);
    const expected = Array.from({ length: COUNT }, (_, i) => `history ${i + 1}`);
    assert.deepEqual(texts, expected);
  });

  it("moves a conversation to the top when a message arrives", async () => {
    await say(bob, groupId, "group again");
    await say(bob, directId, "direct again");
    await visible(messageList(page).getByText("direct again"));
    await page.waitForFunction(
      (name) => {
        const doc = (globalThis as any).document;
        return doc.querySelector('[aria-label="Conversations"] .conv-title')?.textContent === name;
      },
      bob.username,
      { timeout: WAIT },
    );
    await visible(conversationLink(page, "Later group").getByText("2 unread"));
  });

  it("shows the other person as online while they are connected", async () => {
    const header = page.getByRole("region", { name: `Conversation with ${bob.username}` });
    assert.equal(await header.getByText("online", { exact: true }).count(), 0);
    const bobPage = await (await browser.newContext()).newPage();
    await signIn(bobPage, server.url, { username: bob.username, displayName: bob.username });
    await visible(header.getByText("online", { exact: true }));
    await visible(conversationLink(page, bob.username).getByText("(online)"));
    await bobPage.context().close();
    await visible(header.getByText(/^last seen/));
  });

  it("logged no errors", () => {
    assert.deepEqual(errors, []);
  });
});
