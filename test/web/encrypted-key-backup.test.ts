/**
 * The key backup in the web app (docs/E2EE.md, "History on a new device"), against the
 * real server in Chromium: Alice's browser device sets one up in Settings (a short or
 * mistyped passphrase said at its field) and keeps it up to date as it opens and sends
 * messages; a second browser that becomes her device reads nothing from before it
 * joined until it restores with the passphrase (a wrong one refused clearly), and then
 * shows those messages in the timeline. A backup set up by the terminal client restores
 * in the browser: one code in both apps. The passphrase is changed and the backup
 * removed after a confirmation; signing out forgets the key here. axe-core finds nothing
 * on the section's forms.
 */
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { ApiClient } from "@private-chat/sdk";
import { EncryptedChat, registerDevice } from "@private-chat/sdk/mls";
import type { Browser, Locator, Page } from "playwright-core";
import { memoryStates } from "../e2ee/device-fixture.js";
import { launchBrowser } from "../helpers/browser.js";
import { configDir, loggedIn, removeConfigDirs, run } from "../helpers/client-cli.js";
import { createUser, type TestUser } from "../helpers/factories.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { conversationLink, messageList, passesAxe, signIn, visible, WAIT } from "./helpers.js";

const PASSPHRASE = "correct horse battery staple";

describe("the key backup in the web app", { timeout: 480_000 }, () => {
  let server: TestServer;
  let browser: Browser;
  let alice: TestUser;
  let bob: TestUser;
  let aliceApi: ApiClient;
  let bobApi: ApiClient;
  let bobChat: EncryptedChat;
  const bobStates = memoryStates();
  let conversationId: string;
  let first: Page;
  let second: Page;
  const errors: string[] = [];
  const fromBob = "the eagle lands at noon, word 5b1d";
  const fromAlice = "the bridge at dawn, word 8c2e";
  const later = "opened after the set-up, word 3f7a";
  const joined = "the second browser reads this, word 6d4b";

  before(async () => {
    server = await startTestServer({ rate_limit: { enabled: false } });
    [alice, bob] = await Promise.all([createUser(server.url), createUser(server.url)]);
    aliceApi = new ApiClient({ baseUrl: server.url, token: alice.token });
    bobApi = new ApiClient({ baseUrl: server.url, token: bob.token });
    browser = await launchBrowser();
    first = await pageOf(alice);
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    removeConfigDirs();
  });

  /**
   * A page signed in as `user`, its errors collected but for the server's 404 to the
   * backup's URLs: "you have no key backup" is an answer there, not a failure.
   */
  async function pageOf(user: TestUser): Promise<Page> {
    const page = await (await browser.newContext()).newPage();
    page.on("pageerror", (err) => errors.push(err.message));
    page.on("console", (msg) => {
      if (msg.type() !== "error") return;
      const backup = /\/api\/v1\/key-backup(\/chunks\/[^/?]+)?$/.test(msg.location().url);
      if (!(backup && msg.text().includes("404"))) errors.push(msg.text());
    });
    await signIn(page, server.url, { username: user.username, displayName: user.username });
    return page;
  }

  /** Settings' key backup section, this browser made a device first if it is not one. */
  async function keyBackupOf(page: Page, name: string): Promise<Locator> {
    await page.getByRole("link", { name: "Settings", exact: true }).click();
    const devices = page.getByRole("region", { name: "Devices for encrypted chats" });
    const add = devices.getByRole("button", { name: "Use this browser for encrypted chats" });
    await visible(add.or(devices.getByText("this browser", { exact: true })));
    if (await add.isVisible()) {
      await add.click();
      await devices.getByLabel("Name for this browser").fill(name);
      await devices.getByRole("button", { name: "Add this browser" }).click();
      await visible(devices.getByText("this browser", { exact: true }));
    }
    const section = page.getByRole("region", { name: "Key backup" });
    await visible(section);
    return section;
  }

  /** The field's error, read with it (aria-describedby), and the field marked invalid. */
  async function fieldSays(field: Locator, error: RegExp): Promise<void> {
    await visible(field.locator("xpath=ancestor::div[1]").getByText(error));
    assert.equal(await field.getAttribute("aria-invalid"), "true");
    const ids = (await field.getAttribute("aria-describedby"))?.split(" ") ?? [];
    const said = await Promise.all(
      ids.map((id) => field.page().locator(`[id="${id}"]`).textContent()),
    );
    assert.ok(
      said.some((text) => error.test(text ?? "")),
      `the error is read with the field: ${said}`,
    );
  }

  /** Waits until the backup on the server holds more than `bytes`. */
  async function backupGrows(api: ApiClient, bytes: number): Promise<number> {
    const until = Date.now() + WAIT;
    for (;;) {
      const now = (await api.keyBackup.get())?.bytes ?? 0;
      if (now > bytes) return now;
      if (Date.now() > until) assert.fail(`the backup stayed at ${now} bytes`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  it("sets up a backup on Alice's browser device, each refusal said at its field", async () => {
    const section = await keyBackupOf(first, "first browser");
    await visible(section.getByRole("button", { name: "Set up a key backup" }));

    const bobDevice = await registerDevice(bobApi.devices, bob.id, "bob's laptop", 3);
    const conversation = await bobApi.createConversation({
      type: "group",
      title: "Pair",
      member_ids: [alice.id],
      encrypted: true,
    });
    conversationId = conversation.id;
    bobChat = new EncryptedChat(bobApi, bobDevice, conversation, bobStates);
    assert.equal(await bobChat.setUp(), true);
    await bobChat.send(fromBob, "from-bob");
    await conversationLink(first, "Pair").click();
    await visible(messageList(first).getByText(fromBob));
    const box = first.getByLabel("Encrypted message", { exact: true });
    await box.fill(fromAlice);
    await box.press("Enter");
    await visible(messageList(first).getByText(fromAlice));

    await first.getByRole("link", { name: "Settings", exact: true }).click();
    await section.getByRole("button", { name: "Set up a key backup" }).click();
    const passphrase = section.getByLabel("Recovery passphrase", { exact: true });
    const again = section.getByLabel("Recovery passphrase again");
    const submit = section.getByRole("button", { name: "Set up backup" });
    await passphrase.fill("too short");
    await again.fill("too short");
    await submit.click();
    await fieldSays(passphrase, /at least 12 characters/);
    await passesAxe(first, "the key backup's set-up, a passphrase too short");
    await passphrase.fill(PASSPHRASE);
    await again.fill(`${PASSPHRASE}!`);
    await submit.click();
    await fieldSays(again, /The two passphrases differ/);
    await again.fill(PASSPHRASE);
    await submit.click();
    await visible(section.getByText(/^Key backup set up: this browser uploaded 1 chunk/), 120_000);
    await visible(section.getByText(/This browser holds its key and keeps it up to date/));
    await passesAxe(first, "Settings with a key backup");

    // The server holds the wrapped key and ciphertext only.
    const chunks = await aliceApi.keyBackup.allChunks();
    assert.equal(chunks.length, 1);
    for (const { id } of chunks) {
      const bytes = Buffer.from((await aliceApi.keyBackup.getChunk(id)).data, "base64url");
      assert.ok(!bytes.includes("eagle") && !bytes.includes("bridge"), "plaintext in a chunk");
    }
  });

  it("keeps the backup up to date as the browser opens messages", async () => {
    const bytes = (await aliceApi.keyBackup.get())?.bytes ?? 0;
    await bobChat.send(later, "later");
    await conversationLink(first, "Pair").click();
    await visible(messageList(first).getByText(later));
    await backupGrows(aliceApi, bytes);
  });

  it("restores on a second browser that just became Alice's device, a wrong passphrase refused", async () => {
    second = await pageOf(alice);
    const section = await keyBackupOf(second, "second browser");
    // Bob's device adds the new one at its next send (its wait before looking at Alice's
    // devices again is cleared here to make it now).
    const saved = bobStates.saved.get(conversationId);
    assert.ok(saved);
    saved.checked_at = {};
    await bobChat.send(joined, "joined");

    await conversationLink(second, "Pair").click();
    await visible(messageList(second).getByText(joined));
    const list = messageList(second);
    assert.equal(await list.getByText(fromBob).count(), 0);
    await visible(list.getByText(/Cannot be read in this browser/).first());

    await second.getByRole("link", { name: "Settings", exact: true }).click();
    await section.getByRole("button", { name: "Restore from the key backup" }).click();
    const passphrase = section.getByLabel("Recovery passphrase", { exact: true });
    await passphrase.fill("correct horse battery stapler");
    await section.getByRole("button", { name: "Restore", exact: true }).click();
    await fieldSays(passphrase, /This passphrase does not open your key backup/);
    await passesAxe(second, "the key backup's restore, a wrong passphrase");
    await passphrase.fill(PASSPHRASE);
    await section.getByRole("button", { name: "Restore", exact: true }).click();
    await visible(section.getByText("Restored 3 messages in 1 conversation."), 120_000);
    await visible(section.getByText(/This browser holds its key and keeps it up to date/));

    await conversationLink(second, "Pair").click();
    for (const text of [fromBob, fromAlice, later, joined]) await visible(list.getByText(text));
    assert.equal(await list.getByText(/Cannot be read in this browser/).count(), 0);
  });

  it("changes the passphrase, then removes the backup after a confirmation", async () => {
    await second.getByRole("link", { name: "Settings", exact: true }).click();
    const section = second.getByRole("region", { name: "Key backup" });
    await section.getByRole("button", { name: "Change passphrase" }).click();
    const current = section.getByLabel("Current recovery passphrase");
    await current.fill(PASSPHRASE);
    await section.getByLabel("New recovery passphrase", { exact: true }).fill("a brand new phrase");
    await section.getByLabel("New recovery passphrase again").fill("a brand new phrase!");
    await section.getByRole("button", { name: "Change passphrase" }).click();
    await fieldSays(
      section.getByLabel("New recovery passphrase again"),
      /The two passphrases differ/,
    );
    await passesAxe(second, "the key backup's new passphrase, mistyped");
    const before = await aliceApi.keyBackup.get();
    await section.getByLabel("New recovery passphrase again").fill("a brand new phrase");
    await section.getByRole("button", { name: "Change passphrase" }).click();
    await visible(section.getByText(/The recovery passphrase is changed/), 120_000);
    const changed = await aliceApi.keyBackup.get();
    assert.notEqual(changed?.version, before?.version);
    assert.equal(changed?.chunks, before?.chunks, "the chunks stay");

    await section.getByRole("button", { name: "Remove key backup" }).click();
    await visible(section.getByText(/Remove the key backup\? Its key and every chunk/));
    await passesAxe(second, "the key backup's removal, asked first");
    await section.getByRole("button", { name: "Remove backup" }).click();
    await visible(section.getByRole("button", { name: "Set up a key backup" }));
    assert.equal(await aliceApi.keyBackup.get(), undefined);
  });

  it("restores in the browser a backup the terminal client set up", async () => {
    const carol = await createUser(server.url);
    const phone = loggedIn(server.url, carol);
    const passphraseFile = join(configDir(), "passphrase.txt");
    writeFileSync(passphraseFile, `${PASSPHRASE}\n`);
    const dm = await run(["dm", bob.username, "--encrypted", "--json"], phone);
    assert.equal(dm.code, 0, dm.stderr);
    const { conversation } = JSON.parse(dm.stdout) as { conversation: { id: string } };
    const send = async (text: string) => {
      const sent = await run(["send", `@${bob.username}`, "--encrypted", text], phone);
      assert.equal(sent.code, 0, sent.stderr);
    };
    const fromTerminal = "sent from the terminal, word 2a9c";
    await send(fromTerminal);
    const setUp = await run(["backup", "set-up", "--passphrase-file", passphraseFile], phone);
    assert.equal(setUp.code, 0, setUp.stderr);

    const page = await pageOf(carol);
    const section = await keyBackupOf(page, "carol's browser");
    // The terminal's device adds the browser's at its next send (its wait cleared).
    const state = join(phone, `e2ee-${carol.id}`, `${conversation.id}.json`);
    writeFileSync(
      state,
      JSON.stringify({ ...JSON.parse(readFileSync(state, "utf8")), checked_at: {} }),
    );
    await send("the browser joins");

    await section.getByRole("button", { name: "Restore from the key backup" }).click();
    const passphrase = section.getByLabel("Recovery passphrase", { exact: true });
    await passphrase.fill(PASSPHRASE);
    await section.getByRole("button", { name: "Restore", exact: true }).click();
    await visible(section.getByText("Restored 1 message in 1 conversation."), 120_000);
    await conversationLink(page, bob.username).click();
    await visible(messageList(page).getByText(fromTerminal));
    await visible(messageList(page).getByText("the browser joins"));

    // Signing out forgets the key here; the device stays.
    await page.getByRole("link", { name: "Settings", exact: true }).click();
    await page.getByRole("button", { name: "Sign out", exact: true }).click();
    await visible(page.getByRole("button", { name: "Sign in" }));
    const until = Date.now() + WAIT;
    while (await page.evaluate(keptBackupKey, carol.id)) {
      assert.ok(Date.now() < until, "the backup key is still kept after signing out");
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await page.context().close();
  });

  it("logged no errors", () => {
    assert.deepEqual(errors, []);
  });
});

/** Runs in the page: whether this browser's IndexedDB keeps a backup key for `userId`. */
function keptBackupKey(userId: string) {
  return new Promise<boolean>((resolve, reject) => {
    // The test's own types know no DOM: the page's IndexedDB, read as it is.
    const open = (globalThis as any).indexedDB.open("private-chat-e2ee");
    open.onerror = () => reject(open.error);
    open.onsuccess = () => {
      const read = open.result.transaction("backup_keys").objectStore("backup_keys").get(userId);
      read.onerror = () => reject(read.error);
      read.onsuccess = () => {
        open.result.close();
        resolve(read.result !== undefined);
      };
    };
  });
}
