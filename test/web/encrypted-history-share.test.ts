/**
 * History shared between a person's own devices in the web app (docs/E2EE.md, "Sharing
 * from a device"), against the real server in Chromium: Alice's terminal-client device
 * (her phone) holds an encrypted chat with Bob; a browser that becomes her device later
 * reads nothing from before it joined until the phone shares it (`chat-client devices
 * share-history`), and takes it when the app starts, said in a notice, then shows the
 * earlier messages. Settings takes what waits when it opens: a share that does not check
 * is refused, deleted and said; "Receive history" says when nothing waits. The browser
 * shares what it holds with a new terminal installation from the device's row (after a
 * confirmation; with nothing held yet, it says so), which `devices receive-history` takes
 * and `tail` shows. axe-core finds nothing on the section.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { ApiClient } from "@private-chat/sdk";
import { registerDevice } from "@private-chat/sdk/mls";
import type { Browser, Locator, Page } from "playwright-core";
import { launchBrowser } from "../helpers/browser.js";
import {
  type Client,
  loggedIn,
  removeConfigDirs,
  run,
  start,
  stop,
  waitFor,
} from "../helpers/client-cli.js";
import { createUser, type TestUser } from "../helpers/factories.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { conversationLink, messageList, passesAxe, signedInPage, visible } from "./helpers.js";

describe("history shared between one's devices in the web app", { timeout: 480_000 }, () => {
  let server: TestServer;
  let browser: Browser;
  let alice: TestUser;
  let bob: TestUser;
  let aliceApi: ApiClient;
  let page: Page;
  let phone: string;
  let conversationId: string;
  let browserId: string;
  const errors: string[] = [];
  const tails: Client[] = [];
  const earlier = ["the eagle lands at noon, word 4e1a", "meet at the bridge, word 9b3c"];
  const joined = "the browser reads this, word 7d2f";
  const later = "the laptop reads this, word 1c8e";

  before(async () => {
    server = await startTestServer({ rate_limit: { enabled: false } });
    [alice, bob] = await Promise.all([createUser(server.url), createUser(server.url)]);
    aliceApi = new ApiClient({ baseUrl: server.url, token: alice.token });
    const bobApi = new ApiClient({ baseUrl: server.url, token: bob.token });
    await registerDevice(bobApi.devices, bob.id, "bob's laptop", 3);
    phone = loggedIn(server.url, alice);
    browser = await launchBrowser();
  });

  after(async () => {
    for (const tail of tails) stop(tail);
    await browser?.close();
    await server?.stop();
    removeConfigDirs();
  });

  /** Sends `text` from Alice's phone, its wait before looking at her devices cleared. */
  async function sendFromPhone(text: string): Promise<void> {
    if (conversationId) {
      // The phone's device adds her new ones at this send, rather than at a later one.
      const state = join(phone, `e2ee-${alice.id}`, `${conversationId}.json`);
      writeFileSync(
        state,
        JSON.stringify({ ...JSON.parse(readFileSync(state, "utf8")), checked_at: {} }),
      );
    }
    const sent = await run(["send", `@${bob.username}`, "--encrypted", text], phone);
    assert.equal(sent.code, 0, sent.stderr);
  }

  function devicesOf(at: Page): Locator {
    return at.getByRole("region", { name: "Devices for encrypted chats" });
  }

  async function openSettings(): Promise<Locator> {
    await page.getByRole("link", { name: "Settings", exact: true }).click();
    const section = devicesOf(page);
    await visible(section.getByRole("list", { name: "Your devices" }));
    return section;
  }

  /** What the tail of `dir`'s installation shows of the chat, once it shows `last`. */
  async function tailOf(dir: string, last: string): Promise<string> {
    const tail = start(["tail", `@${bob.username}`, "--encrypted", "--history", "10"], dir);
    tails.push(tail);
    await waitFor(`the history down to "${last}"`, tail.stdout, (s) => s.includes(last));
    stop(tail);
    return tail.stdout();
  }

  it("the browser reads the earlier messages once the phone shares them", async () => {
    assert.equal((await run(["devices", "add", "phone"], phone)).code, 0);
    const dm = await run(["dm", bob.username, "--encrypted", "--json"], phone);
    assert.equal(dm.code, 0, dm.stderr);
    for (const text of earlier) await sendFromPhone(text);
    conversationId = (JSON.parse(dm.stdout) as { conversation: { id: string } }).conversation.id;

    page = await signedInPage(browser, server.url, alice, errors);
    const section = await openSettings();
    await section.getByRole("button", { name: "Use this browser for encrypted chats" }).click();
    await section.getByLabel("Name for this browser").fill("alice's browser");
    await section.getByRole("button", { name: "Add this browser" }).click();
    await visible(section.getByText("this browser", { exact: true }));
    const listed = await aliceApi.devices.list();
    browserId = listed.find((d) => d.name === "alice's browser")?.id ?? assert.fail("no device");

    // Holding nothing yet, the browser has nothing to share, and says so.
    await section.getByRole("button", { name: "Share history with phone" }).click();
    await visible(section.getByText(/^Share this browser's history with phone\?/));
    await passesAxe(page, "sharing history from Settings, asked first");
    await section.getByRole("button", { name: "Share", exact: true }).click();
    await visible(
      section
        .getByRole("status")
        .getByText("This browser holds no messages of encrypted chats to share."),
    );

    await sendFromPhone(joined);
    await conversationLink(page, bob.username).click();
    const list = messageList(page);
    await visible(list.getByText(joined));
    assert.equal(await list.getByText(earlier[0] as string).count(), 0);
    await visible(list.getByText(/Cannot be read in this browser/).first());

    const shared = await run(["devices", "share-history", browserId], phone);
    assert.equal(shared.code, 0, shared.stderr);
    assert.match(shared.stderr, /shared 3 messages of 1 conversation with alice's browser/);

    // The app, started again, takes what waits and says it.
    await page.evaluate(`location.hash = "#/"`);
    await page.reload();
    await visible(
      page.getByText("Received history from phone: filled in 2 messages of 1 conversation."),
    );
    assert.deepEqual(await aliceApi.historyShares.list(browserId), []);
    await conversationLink(page, bob.username).click();
    for (const text of [...earlier, joined]) await visible(list.getByText(text));
    assert.equal(await list.getByText(/Cannot be read in this browser/).count(), 0);
  });

  it("Settings takes what waits, a share that does not check refused and said", async () => {
    // Random bytes under the phone's name: no device of hers sealed them.
    const phoneId = (await aliceApi.devices.list()).find((d) => d.name === "phone")?.id ?? "";
    const bytes = (n: number) => randomBytes(n).toString("base64url");
    await aliceApi.historyShares.create(browserId, {
      from_device_id: phoneId,
      key_package_ref: bytes(32),
      enc: bytes(32),
      wrapped_key: bytes(48),
      archive: bytes(64),
      signature: bytes(64),
    });

    const section = await openSettings();
    const status = section.getByRole("status");
    await visible(
      status.getByText(
        /^A history share from phone was refused and deleted: the history share is refused: /,
      ),
    );
    assert.deepEqual(await aliceApi.historyShares.list(browserId), []);
    await passesAxe(page, "Settings with a history share refused");

    await section.getByRole("button", { name: "Receive history" }).click();
    await visible(status.getByText("No history waits for this browser."));
  });

  it("the browser shares what it holds with a new terminal installation", async () => {
    const laptop = loggedIn(server.url, alice);
    const added = await run(["devices", "add", "laptop"], laptop);
    assert.equal(added.code, 0, added.stderr);
    await sendFromPhone(later);
    await conversationLink(page, bob.username).click();
    await visible(messageList(page).getByText(later));

    const section = await openSettings();
    await section.getByRole("button", { name: "Share history with laptop" }).click();
    await section.getByRole("button", { name: "Share", exact: true }).click();
    await visible(
      section.getByRole("status").getByText(/^Shared 4 messages of 1 conversation with laptop\. /),
      60_000,
    );

    const received = await run(["devices", "receive-history"], laptop);
    assert.equal(received.code, 0, received.stderr);
    assert.match(received.stderr, /took 1 history share: filled in 3 messages of 1 conversation/);
    const shown = await tailOf(laptop, later);
    for (const text of [...earlier, joined]) assert.ok(shown.includes(text), shown);
    assert.doesNotMatch(shown, /sent before this device joined/);
  });

  it("logged no errors", () => {
    assert.deepEqual(errors, []);
  });
});
