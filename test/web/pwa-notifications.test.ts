/**
 * The service worker's notifications in real Chromium. Chromium's push service (Google's)
 * is out of reach here, so pushes are handed to the worker through the DevTools protocol
 * (ServiceWorker.deliverPushMessage), with the payloads the server builds
 * (src/push/payload.ts); what the worker shows is read back with getNotifications().
 *
 * notificationclick is not covered: headless Chromium shows no notification one could
 * click, and neither the DevTools protocol nor Playwright can dispatch the event.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Browser, BrowserContext, CDPSession, Page } from "playwright-core";
import { HIDDEN_TITLE, messagePayload, readPayload, testPayload } from "../../src/push/payload.js";
import { launchBrowser } from "../helpers/browser.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { WAIT } from "./helpers.js";

interface Shown {
  title: string;
  body: string;
  tag: string;
  data: unknown;
}

describe("notifications from the service worker", { timeout: 120_000 }, () => {
  let server: TestServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let cdp: CDPSession;
  let registrationId = "";

  before(async () => {
    server = await startTestServer();
    browser = await launchBrowser();
    context = await browser.newContext();
    await context.grantPermissions(["notifications"], { origin: server.url });
    page = await context.newPage();
    await page.goto(server.url);
    await page.evaluate(() => (globalThis as any).navigator.serviceWorker.ready);
    cdp = await context.newCDPSession(page);
    const found = new Promise<string>((resolve) => {
      cdp.on("ServiceWorker.workerRegistrationUpdated", ({ registrations }) => {
        const mine = registrations.find((r) => r.scopeURL === `${server.url}/` && !r.isDeleted);
        if (mine) resolve(mine.registrationId);
      });
    });
    await cdp.send("ServiceWorker.enable");
    registrationId = await found;
    // A push that reaches a worker still starting up can be dropped (seen on a loaded
    // machine). The settings' test notification is sent until one shows, so the cases
    // below start with a worker that answers pushes.
    const deadline = Date.now() + 4 * WAIT;
    while ((await shown("test")).length === 0) {
      if (Date.now() > deadline) assert.fail("no push reached the service worker");
      await push(testPayload());
      await page.waitForTimeout(500);
    }
    await page.evaluate(async () => {
      const registration = await (globalThis as any).navigator.serviceWorker.ready;
      for (const n of await registration.getNotifications({ tag: "test" })) n.close();
    });
  });
  after(async () => {
    await context?.close();
    await browser?.close();
    await server?.stop();
  });

  async function push(payload: string): Promise<void> {
    await cdp.send("ServiceWorker.deliverPushMessage", {
      origin: server.url,
      registrationId,
      data: payload,
    });
  }

  function shown(tag: string): Promise<Shown[]> {
    return page.evaluate(async (wanted) => {
      const registration = await (globalThis as any).navigator.serviceWorker.ready;
      const list = await registration.getNotifications({ tag: wanted });
      return list.map((n: any) => ({ title: n.title, body: n.body, tag: n.tag, data: n.data }));
    }, tag);
  }

  /** Waits until the conversation's notifications satisfy `check` (bounded by WAIT). */
  async function until(tag: string, check: (list: Shown[]) => boolean): Promise<Shown[]> {
    const deadline = Date.now() + WAIT;
    for (;;) {
      const list = await shown(tag);
      if (check(list)) return list;
      if (Date.now() > deadline) assert.fail(`notifications of ${tag}: ${JSON.stringify(list)}`);
      await page.waitForTimeout(50);
    }
  }

  const facts = (conversationId: string, n: number, title = "Lunch club") => ({
    conversationId,
    title,
    senderName: "Bob",
    messageId: `m${n}`,
    seq: n,
    text: `message ${n}`,
  });

  it("shows a message under the conversation's name, grouped by conversation, closed once read", async () => {
    await push(messagePayload(facts("c-group", 1), true));
    let list = await until("c-group", (l) => l.length === 1);
    assert.deepEqual(list, [
      {
        title: "Lunch club",
        body: "Bob: message 1",
        tag: "c-group",
        data: { conversation_id: "c-group", count: 1, message_id: "m1" },
      },
    ]);

    await push(messagePayload(facts("c-group", 2), true));
    await push(messagePayload(facts("c-group", 3), true));
    list = await until("c-group", (l) => l[0]?.body === "3 new messages");
    assert.equal(list.length, 1);
    assert.deepEqual(list[0]?.data, { conversation_id: "c-group", count: 3, message_id: "m3" });

    // Another conversation gets its own; a direct one names the person, without "Bob:".
    await push(messagePayload(facts("c-direct", 4, "Bob"), true));
    list = await until("c-direct", (l) => l.length === 1);
    assert.equal(list[0]?.title, "Bob");
    assert.equal(list[0]?.body, "message 4");

    // Read elsewhere: that conversation's notification closes, the other stays.
    await push(readPayload("c-group", 3));
    await until("c-group", (l) => l.length === 0);
    assert.equal((await shown("c-direct")).length, 1);
  });

  it("says only 'New message' when the server keeps content off the push services", async () => {
    await push(messagePayload(facts("c-hidden", 1), false));
    const list = await until("c-hidden", (l) => l.length === 1);
    assert.equal(list[0]?.title, HIDDEN_TITLE);
    assert.doesNotMatch(list[0]?.body ?? "", /message 1|Bob|Lunch/);
  });
});
