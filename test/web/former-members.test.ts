/**
 * Someone who left a group keeps their name on the messages they wrote, in the timeline
 * and in the conversation list, instead of an anonymous "Former member".
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Browser, Page } from "playwright-core";
import { launchBrowser } from "../helpers/browser.js";
import { createGroup, sendMessage } from "../helpers/chat.js";
import { createUser, type TestUser } from "../helpers/factories.js";
import { request } from "../helpers/http.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { conversationLink, messageList, signedInPage, visible } from "./helpers.js";

describe("former members in the web app", { timeout: 120_000 }, () => {
  let server: TestServer;
  let browser: Browser;
  let page: Page;
  let alice: TestUser;
  let bob: TestUser;
  const errors: string[] = [];
  const title = "Leaving party";

  before(async () => {
    server = await startTestServer({ rate_limit: { enabled: false } });
    [alice, bob] = await Promise.all([createUser(server.url), createUser(server.url)]);
    const group = await createGroup(server.url, alice, [bob], title);
    await sendMessage(server.url, bob, group.id, "goodbye everyone");
    const left = await request(
      server.url,
      "DELETE",
      `/api/v1/conversations/${group.id}/members/${bob.id}`,
      { token: bob.token },
    );
    assert.equal(left.status, 204);
    browser = await launchBrowser();
    page = await signedInPage(browser, server.url, alice, errors);
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  it("shows the name of someone who left on their messages", async () => {
    await conversationLink(page, title).click();
    const list = messageList(page);
    await visible(list.getByText("goodbye everyone"));
    await visible(list.getByText(bob.username, { exact: true }));
    assert.equal(await list.getByText("Former member").count(), 0);
    assert.deepEqual(errors, []);
  });
});
