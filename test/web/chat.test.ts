/**
 * Two people chat through the web app in two browser contexts: registration, a direct
 * chat started by search (a message request the other accepts), live messages both
 * ways, typing, read receipts, reload, and delivery after going offline.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { launchBrowser } from "../helpers/browser.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import {
  conversationLink,
  expectInOrderOnce,
  gone,
  messageList,
  person,
  register,
  send,
  visible,
  watchErrors,
} from "./helpers.js";

describe("two people chat in the web app", { timeout: 120_000 }, () => {
  let server: TestServer;
  let browser: Browser;
  let contextA: BrowserContext;
  let contextB: BrowserContext;
  let a: Page;
  let b: Page;
  const errors: string[] = [];
  const alice = person("Alice");
  const bob = person("Bob");

  before(async () => {
    server = await startTestServer({ rate_limit: { enabled: false } });
    browser = await launchBrowser();
    contextA = await browser.newContext();
    contextB = await browser.newContext();
    a = await contextA.newPage();
    b = await contextB.newPage();
    watchErrors(a, errors);
    watchErrors(b, errors);
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  it("registers both people", async () => {
    await register(a, server.url, alice);
    await register(b, server.url, bob);
    await visible(a.getByText("No conversations yet."));
  });

  it("starts a direct chat by searching for the other person", async () => {
    await a.getByRole("link", { name: "New chat" }).click();
    await a.getByLabel("Search people").fill(bob.username.slice(0, 5));
    await a
      .getByRole("button", { name: `Chat with ${bob.displayName} (@${bob.username})` })
      .click();
    await visible(a.getByRole("heading", { name: bob.displayName, level: 2 }));
    assert.match(a.url(), /#\/c\/[\w-]+$/);
    // The new conversation appears in Bob's list without a reload, as a message request
    // (they shared nothing), which Bob accepts; Alice then stops waiting.
    await visible(a.getByText(`Waiting for ${bob.displayName} to accept`));
    await conversationLink(b, alice.displayName).click();
    await b.getByRole("button", { name: "Accept" }).click();
    await visible(b.getByLabel("Message", { exact: true }));
    await gone(a.getByText(`Waiting for ${bob.displayName} to accept`));
    await b.evaluate('location.hash = "#/"');
    await visible(b.getByText("Select a conversation, or start a new one."));
  });

  it("delivers messages live both ways and shows Delivered, then Seen", async () => {
    await send(a, "Hi Bob, how are you?");
    await visible(messageList(a).getByText("Hi Bob, how are you?"));
    await visible(messageList(a).getByText("Delivered"));
    // Bob has not opened the chat: an unread badge in the list.
    await visible(conversationLink(b, alice.displayName).getByText("unread"));

    await conversationLink(b, alice.displayName).click();
    await visible(messageList(b).getByText("Hi Bob, how are you?"));
    await visible(messageList(a).getByText("Seen"));
    await gone(conversationLink(b, alice.displayName).getByText("unread"));

    await send(b, "Great, thanks Alice!");
    await visible(messageList(a).getByText("Great, thanks Alice!"));
    await visible(messageList(b).getByText("Seen"));
  });

  it("shows each person when the other is typing", async () => {
    // Key by key, as a person types: the server relays at most one notice every 2 s.
    const boxA = a.getByLabel("Message", { exact: true });
    const boxB = b.getByLabel("Message", { exact: true });
    await boxA.pressSequentially("I am typing a long answer", { delay: 110 });
    await visible(b.getByText(`${alice.displayName} is typing…`));
    await boxA.fill("");

    await boxB.pressSequentially("me too, just a second", { delay: 110 });
    await visible(a.getByText(`${bob.displayName} is typing…`));
    await boxB.fill("");
    // The notice goes away by itself after a few seconds.
    await gone(a.getByText(`${bob.displayName} is typing…`), 8000);
  });

  it("keeps the session and the history across a reload", async () => {
    await b.reload();
    await visible(messageList(b).getByText("Hi Bob, how are you?"));
    await visible(messageList(b).getByText("Great, thanks Alice!"));
    await send(b, "Still here after a reload");
    await visible(messageList(a).getByText("Still here after a reload"));
  });

  it("delivers what was sent while offline exactly once and in order", async () => {
    await contextB.setOffline(true);
    await visible(b.getByRole("status").filter({ hasText: /offline|reconnecting/i }));

    const fromAlice = ["offline one", "offline two", "offline three"];
    for (const text of fromAlice) await send(a, text);
    await send(b, "written while offline");
    await visible(messageList(b).getByText("Sending…"));

    await contextB.setOffline(false);
    await expectInOrderOnce(b, ["Hi Bob, how are you?", "Still here after a reload", ...fromAlice]);
    await expectInOrderOnce(a, [...fromAlice, "written while offline"]);
    await gone(messageList(b).getByText("Sending…"));
    await gone(b.getByRole("status").filter({ hasText: /offline|reconnecting/i }));

    // A reload afterwards shows the same messages, still once each.
    await b.reload();
    await expectInOrderOnce(b, [...fromAlice, "written while offline"]);
  });

  it("logged no errors in either page", () => {
    assert.deepEqual(errors, []);
  });
});
