/**
 * A page away longer than the server's event log keeps: on its return the server says
 * its cursor expired, and the app starts afresh from the server's state by itself, so
 * what changed while it was away shows (a new message, an edit) with nothing lost and no
 * error. The page is taken away with the browser's offline switch; the events it missed
 * are aged and swept by rewriting their timestamps.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { MessageView } from "@private-chat/protocol/chat";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { DAY_MS } from "../../src/messages/retention-policy.js";
import { launchBrowser } from "../helpers/browser.js";
import { createDirect, sendMessage } from "../helpers/chat.js";
import { createUser, type TestUser } from "../helpers/factories.js";
import { request } from "../helpers/http.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import {
  conversationLink,
  messageList,
  PASSWORD,
  signIn,
  visible,
  watchErrors,
} from "./helpers.js";

describe("the web app after its cursor expired", { timeout: 120_000 }, () => {
  let server: TestServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let alice: TestUser;
  let bob: TestUser;
  let directId: string;
  let early: MessageView;
  const errors: string[] = [];

  before(async () => {
    server = await startTestServer({ rate_limit: { enabled: false } });
    browser = await launchBrowser();
    alice = await createUser(server.url, { password: PASSWORD });
    bob = await createUser(server.url, { password: PASSWORD });
    directId = (await createDirect(server.url, bob, alice)).id;
    early = await sendMessage(server.url, bob, directId, "said early");
    context = await browser.newContext();
    page = await context.newPage();
    watchErrors(page, errors);
    await signIn(page, server.url, { username: alice.username, displayName: alice.username });
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  it("reloads by itself and shows what changed while it was away", async () => {
    await conversationLink(page, bob.username).click();
    await visible(messageList(page).getByText("said early"));
    const cursorBefore = await server.ctx.store.events.latestId();

    await context.setOffline(true);
    await sendMessage(server.url, bob, directId, "said while you were away");
    const edited = await request(server.url, "PATCH", `/api/v1/messages/${early.id}`, {
      token: bob.token,
      body: { body: "said early, then edited" },
    });
    assert.equal(edited.status, 200, edited.text);
    await server.ctx.store.db
      .updateTable("events")
      .set({ created_at: Date.now() - 31 * DAY_MS })
      .execute();
    await server.ctx.retention.sweep();
    assert.ok(
      (await server.ctx.store.events.horizon()) > cursorBefore,
      "the page's cursor expired",
    );

    await context.setOffline(false);
    await visible(messageList(page).getByText("said while you were away"));
    await visible(messageList(page).getByText("said early, then edited"));
    assert.equal(await messageList(page).getByText("said early", { exact: true }).count(), 0);
    // Live again: the next message arrives on its own.
    await sendMessage(server.url, bob, directId, "and now live");
    await visible(messageList(page).getByText("and now live"));
  });

  it("logged no errors", () => {
    assert.deepEqual(errors, []);
  });
});
