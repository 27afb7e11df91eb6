/**
 * The app without the network: what was loaded stays on screen, read-only, under an
 * offline banner; a message typed offline waits and is stored exactly once when the
 * network returns. A new page opens with the copy kept on this device while the server
 * cannot be reached, and signing out (or someone else signing in) deletes that copy.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { MessageView } from "@private-chat/protocol/chat";
import type { BrowserContext, Page } from "playwright-core";
import { launchProfile } from "../helpers/browser.js";
import { createDirect, sendMessage } from "../helpers/chat.js";
import { createUser, type TestUser } from "../helpers/factories.js";
import { request } from "../helpers/http.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import {
  conversationLink,
  gone,
  messageList,
  PASSWORD,
  send,
  signIn,
  visible,
  WAIT,
  watchErrors,
} from "./helpers.js";

interface StoredCopy {
  user_id: string;
  timelines: { messages: { body: string }[] }[];
}

/** What this page's origin holds in the app's IndexedDB store of local copies, by key. */
function storedCopies(page: Page): Promise<{ key: string; copy: StoredCopy }[]> {
  return page.evaluate(
    () =>
      new Promise<{ key: string; copy: StoredCopy }[]>((resolve, reject) => {
        const open = (globalThis as any).indexedDB.open("private-chat");
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const db = open.result;
          if (!db.objectStoreNames.contains("local-copy")) {
            db.close();
            return resolve([]);
          }
          const store = db.transaction("local-copy").objectStore("local-copy");
          const keys = store.getAllKeys();
          const values = store.getAll();
          values.onsuccess = () => {
            db.close();
            resolve(
              keys.result.map((key: unknown, i: number) => ({
                key: String(key),
                copy: values.result[i],
              })),
            );
          };
          values.onerror = () => reject(values.error);
        };
      }),
  );
}

/** The user ids whose local copy this page's origin holds. */
async function keptCopies(page: Page): Promise<string[]> {
  return (await storedCopies(page)).map((entry) => entry.key);
}

/**
 * Polls `check` from here until it holds. (page.waitForFunction would not do: it takes the
 * promise an IndexedDB read returns for a true answer, and returns at once.)
 */
async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  for (const deadline = Date.now() + WAIT; !(await check()); ) {
    assert.ok(Date.now() < deadline, `${what}, within ${WAIT} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Waits until the kept copy of `userId` holds a message `text` in one of its timelines. */
async function copyHolds(page: Page, userId: string, text: string): Promise<void> {
  await until(`the copy of ${userId} holds "${text}"`, async () =>
    (await storedCopies(page)).some(
      ({ key, copy }) =>
        key === userId && copy.timelines.some((t) => t.messages.some((m) => m.body === text)),
    ),
  );
}

describe("the web app offline", { timeout: 120_000 }, () => {
  let server: TestServer;
  let profile: string;
  let context: BrowserContext;
  let page: Page;
  let alice: TestUser;
  let bob: TestUser;
  let directId: string;
  const errors: string[] = [];

  before(async () => {
    server = await startTestServer({ rate_limit: { enabled: false } });
    alice = await createUser(server.url, { password: PASSWORD });
    bob = await createUser(server.url, { password: PASSWORD });
    directId = (await createDirect(server.url, bob, alice)).id;
    for (const body of ["kept one", "kept two", "kept three"])
      await sendMessage(server.url, bob, directId, body);
    // The local copy alone: the service worker's offline start is test/web/pwa.test.ts's,
    // and with it in the way page.route would not see the app's requests.
    // A profile on disk: the copy outlives a closed page as it does in a person's browser.
    profile = mkdtempSync(join(tmpdir(), "pc-offline-"));
    context = await launchProfile(profile, { serviceWorkers: "block" });
    page = await context.newPage();
    watchErrors(page, errors);
    await signIn(page, server.url, { username: alice.username, displayName: alice.username });
  });

  after(async () => {
    await context?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
    await server?.stop();
  });

  const banner = (p: Page, text: RegExp) => p.getByRole("status").filter({ hasText: text });

  it("keeps what was loaded on screen offline, and sends what was typed once when back", async () => {
    await conversationLink(page, bob.username).click();
    await visible(messageList(page).getByText("kept three"));

    await context.setOffline(true);
    await visible(banner(page, /You're offline — showing what was saved on this device/));
    await visible(messageList(page).getByText("kept one"));
    await visible(conversationLink(page, bob.username));
    // What needs the server is off, and says why; the composer still takes a message.
    const react = messageList(page).getByRole("button", { name: "React" }).first();
    assert.equal(await react.isDisabled(), true);
    assert.equal(await react.getAttribute("title"), "Not available offline");
    await send(page, "typed while offline");
    await visible(messageList(page).getByText("Sending…"));

    await context.setOffline(false);
    await gone(messageList(page).getByText("Sending…"));
    await gone(banner(page, /offline/i));
    assert.equal(await react.isDisabled(), false);

    const history = await request<{ messages: MessageView[] }>(
      server.url,
      "GET",
      `/api/v1/conversations/${directId}/messages?limit=50`,
      { token: bob.token },
    );
    assert.equal(history.status, 200, history.text);
    const copies = history.body.messages.filter((m) => m.body === "typed while offline");
    assert.equal(copies.length, 1, "stored exactly once");
  });

  it("opens a new page with the copy kept on this device while the server cannot be reached", async () => {
    await copyHolds(page, alice.id, "typed while offline");
    await page.close();

    page = await context.newPage();
    watchErrors(page, errors);
    // The page loads; the server's API and socket do not answer until `down` is cleared.
    let down = true;
    await page.route("**/api/**", (route) =>
      down ? route.abort("connectionrefused") : route.continue(),
    );
    await page.routeWebSocket(/\/socket/, (ws) => {
      if (down) void ws.close();
      else ws.connectToServer();
    });
    await page.goto(`${server.url}/#/c/${directId}`);

    await visible(banner(page, /Can't reach the server — showing what was saved on this device/));
    await visible(conversationLink(page, bob.username));
    await visible(messageList(page).getByText("kept three"));
    await visible(messageList(page).getByText("typed while offline"));
    // The list shows no load error of its own: the banner says it all.
    assert.equal(
      await page.getByRole("navigation", { name: "Conversations" }).getByRole("alert").count(),
      0,
    );

    down = false;
    // The app also retries on its own and may be back before the click (the button then
    // goes): "Retry now" only skips the wait, so it is clicked for as long as it is there.
    const retry = page.getByRole("button", { name: "Retry now" });
    const unreachable = banner(page, /Can't reach the server/);
    for (const deadline = Date.now() + WAIT; (await unreachable.count()) > 0; ) {
      assert.ok(Date.now() < deadline, "the app came back when the server did");
      await retry.click({ timeout: 1000 }).catch(() => undefined);
    }
    await sendMessage(server.url, bob, directId, "after the server came back");
    await visible(messageList(page).getByText("after the server came back"));
  });

  it("deletes the copy at sign-out", async () => {
    await copyHolds(page, alice.id, "after the server came back");
    await page.getByRole("link", { name: "Settings", exact: true }).click();
    await page.getByRole("button", { name: "Sign out", exact: true }).click();
    await visible(page.getByRole("button", { name: "Sign in" }));
    await until("the copy is deleted", async () => (await keptCopies(page)).length === 0);
  });

  it("shows nothing of one person to the next one signing in on the same browser", async () => {
    await signIn(page, server.url, { username: alice.username, displayName: alice.username });
    await conversationLink(page, bob.username).click();
    await visible(messageList(page).getByText("kept three"));
    await copyHolds(page, alice.id, "kept three");
    // Alice leaves without signing out; her session is gone from this browser (expired).
    await page.evaluate(() => (globalThis as any).localStorage.removeItem("pc.session"));
    await signIn(page, server.url, { username: bob.username, displayName: bob.username });
    await visible(conversationLink(page, alice.username));
    await until(
      "the first person's copy is deleted",
      async () => !(await keptCopies(page)).includes(alice.id),
    );
  });

  it("logged no errors", () => {
    assert.deepEqual(
      errors.filter((e) => !/ERR_CONNECTION_REFUSED|WebSocket/.test(e)),
      [],
    );
  });
});
