/**
 * The conversation list of someone in more conversations than its first page: the app
 * shows the first page, then merges the rest, and every conversation appears once; one
 * that became active while the later pages were on their way appears once, at the top.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { FIRST_CONVERSATIONS_PAGE } from "@private-chat/protocol/chat";
import type { Browser, Page } from "playwright-core";
import { launchBrowser } from "../helpers/browser.js";
import { createGroup, sendMessage } from "../helpers/chat.js";
import { createUser, type TestUser } from "../helpers/factories.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { conversationLink, PASSWORD, signIn, visible, WAIT, watchErrors } from "./helpers.js";

const COUNT = FIRST_CONVERSATIONS_PAGE + 12;
const title = (i: number) => `room ${String(i).padStart(3, "0")}`;

describe("the conversation list, a page at a time", { timeout: 180_000 }, () => {
  let server: TestServer;
  let browser: Browser;
  let page: Page;
  let alice: TestUser;
  const ids: string[] = [];
  const errors: string[] = [];

  before(async () => {
    server = await startTestServer({ rate_limit: { enabled: false } });
    alice = await createUser(server.url, { password: PASSWORD });
    // Made in order, so room 000 is the least recently active: on the last page.
    for (let i = 0; i < COUNT; i++)
      ids.push((await createGroup(server.url, alice, [], title(i))).id);
    browser = await launchBrowser();
    // Without the service worker, so page.route sees the app's requests.
    page = await (await browser.newContext({ serviceWorkers: "block" })).newPage();
    watchErrors(page, errors);
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  const links = () =>
    page.getByRole("navigation", { name: "Conversations" }).getByRole("link", { name: /^room / });

  /** The titles of the links in the list, in the order shown, once all COUNT are there. */
  async function shownTitles(): Promise<string[]> {
    for (const deadline = Date.now() + WAIT; (await links().count()) !== COUNT; ) {
      assert.ok(Date.now() < deadline, `${COUNT} conversations listed, within ${WAIT} ms`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    return links().locator(".conv-title").allTextContents();
  }

  it("lists every conversation of someone in more than the first page", async () => {
    await signIn(page, server.url, { username: alice.username, displayName: alice.username });
    await visible(conversationLink(page, title(0)));
    const shown = await shownTitles();
    assert.deepEqual(
      [...shown].sort(),
      ids.map((_, i) => title(i)),
    );
  });

  it("shows a conversation that became active while the rest was loading, once", async () => {
    // The later page waits until the oldest conversation has a new message: it is then
    // ahead of the cursor, in no page, and its event (held until the list is in) brings it.
    let asked: () => void = () => {};
    const laterAsked = new Promise<void>((resolve) => {
      asked = resolve;
    });
    let release: () => void = () => {};
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    await page.route(/\/api\/v1\/conversations\?limit=\d+&cursor=/, async (route) => {
      asked();
      await released;
      await route.continue();
    });
    await page.reload();
    await laterAsked;
    await sendMessage(server.url, alice, ids[0] as string, "woke up while the list loaded");
    release();
    await visible(page.getByText("woke up while the list loaded"));
    const shown = await shownTitles();
    assert.equal(shown[0], title(0), "the conversation just active comes first");
    assert.equal(shown.filter((t) => t === title(0)).length, 1);
    assert.equal(new Set(shown).size, COUNT);
    await page.unrouteAll();
  });

  it("logged no errors", () => {
    assert.deepEqual(errors, []);
  });
});
