/**
 * Plaintext never reaches the server (docs/E2EE.md, "How it is tested and measured"):
 * Alice and Bob, each in a headless browser made one of their devices in Settings, and
 * Carol with the terminal client hold an end-to-end encrypted conversation (a text, an
 * edit, a reaction on a message of secret words, a thread reply, an image sent with the
 * composer's attach button and a file from the terminal client), each party reading what
 * the others sent; then a byte search for every plaintext finds none of it in the
 * server's SQLite database file, its -wal and -shm files (read raw, not checkpointed
 * first: the WAL is the point), the uploads, the server's log, nor in any API answer's
 * body or socket frame the server sent the three, which a recording proxy in front of the
 * server kept (fault-proxy.ts, honest, with `record`). The storage engine is SQLite, whose
 * files are searchable as bytes; the group's title, which the server does hold, is found,
 * so the search can find what is there.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { MessageView } from "@private-chat/sdk";
import type { Browser, Page } from "playwright-core";
import { launchBrowser } from "../helpers/browser.js";
import {
  type Client,
  jsonLines,
  loggedIn,
  removeConfigDirs,
  run,
  start,
  stop,
  waitFor,
} from "../helpers/client-cli.js";
import { createUser, type TestUser } from "../helpers/factories.js";
import { type FaultProxy, startFaultProxy } from "../helpers/fault-proxy.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { makeBrowserADevice, messageItem } from "./encrypted-device-fixture.js";
import { conversationLink, gone, signedInPage, visible, WAIT } from "./helpers.js";
import { answersAndFrames, found, pngSaying, serverFiles } from "./plaintext-audit.js";

/** A word no other test writes, so that a byte search finds only this one. */
const word = (stem: string) => `${stem}${randomBytes(6).toString("hex")}`;

describe("plaintext never reaches the server", { timeout: 300_000 }, () => {
  let server: TestServer;
  let proxy: FaultProxy;
  let browser: Browser;
  let alicePage: Page;
  let bobPage: Page;
  let bob: TestUser;
  let carol: TestUser;
  let carolDir: string;
  const tails: Client[] = [];
  const errors: string[] = [];
  const title = word("Audit");
  const aliceText = `meet at ${word("harbour")}`;
  const bobFirst = `bring ${word("lantern")}`;
  const bobEdited = `bring ${word("compass")}`;
  const carolReply = `noted ${word("tideline")}`;
  const imageWords = `the map ${word("mapwords")}`;
  const image = {
    name: `${word("chart")}.png`,
    marker: word("pixelmark"),
    bytes: Buffer.alloc(0) as Buffer,
  };
  const carolWords = `my notes ${word("ledger")}`;
  const carolFile = { name: `${word("notes")}.txt`, text: `the route by ${word("filemark")}` };
  /** The id of Alice's text, as Carol's device reads it. */
  let aliceTextId: string;

  /** The conversation's messages as Carol's device shows them, once one holds `needle`. */
  /** What Carol's `tail --json` prints (of the thread of `thread`, an id, if given). */
  async function carolReads(needle: string, thread?: string): Promise<MessageView[]> {
    const where = thread === undefined ? [] : ["--thread", thread];
    const tail = start(["tail", title, ...where, "--history", "50", "--json"], carolDir);
    tails.push(tail);
    await waitFor(needle, tail.stdout, (s) => s.includes(needle), WAIT * 3);
    stop(tail);
    assert.doesNotMatch(tail.stdout(), /cannot be read/);
    return jsonLines(tail.stdout()).map((event) => event.message as MessageView);
  }
  const bodyOf = (messages: MessageView[], body: string) => messages.find((m) => m.body === body);

  before(async () => {
    image.bytes = await pngSaying(image.marker);
    server = await startTestServer({ rate_limit: { enabled: false } });
    // Everyone, browsers and terminal client alike, talks to the server through it.
    proxy = await startFaultProxy(server.url, { record: true });
    const [alice, b, c] = await Promise.all([
      createUser(proxy.url),
      createUser(proxy.url),
      createUser(proxy.url),
    ]);
    [bob, carol] = [b, c];
    carolDir = loggedIn(proxy.url, carol);
    browser = await launchBrowser();
    alicePage = await signedInPage(browser, proxy.url, alice, errors);
    bobPage = await signedInPage(browser, proxy.url, bob, errors);
  });

  after(async () => {
    for (const tail of tails) stop(tail);
    await browser?.close();
    await proxy?.close();
    await server?.stop();
    removeConfigDirs();
  });

  it("makes both browsers and the terminal client devices", async () => {
    await makeBrowserADevice(alicePage);
    await makeBrowserADevice(bobPage);
    const added = await run(["devices", "add", "laptop"], carolDir);
    assert.equal(added.code, 0, added.stderr);
  });

  it("Alice creates an encrypted group of the three with the switch, and her text reaches both", async () => {
    const page = alicePage;
    await page.getByRole("link", { name: "New chat" }).click();
    await page.getByRole("button", { name: "Group" }).click();
    await page.getByLabel("Group name").fill(title);
    for (const who of [bob, carol]) {
      await page.getByLabel("Add people").fill(who.username);
      await page.getByRole("button", { name: `Add @${who.username}` }).click();
    }
    await page.getByRole("checkbox", { name: "End-to-end encrypted" }).check();
    await page.getByRole("button", { name: "Create group with 3 people" }).click();
    await visible(page.getByRole("heading", { name: `${title} (end-to-end encrypted)` }));
    const box = page.getByLabel("Encrypted message", { exact: true });
    await box.fill(aliceText);
    await box.press("Enter");
    await visible(messageItem(page, aliceText));

    await conversationLink(bobPage, title).click();
    await visible(messageItem(bobPage, aliceText), WAIT * 2);
    const read = await carolReads(aliceText);
    aliceTextId = bodyOf(read, aliceText)?.id ?? "";
    assert.ok(aliceTextId, "Carol's device opens Alice's text");
  });

  it("Bob edits his own message and reacts to Alice's, in his browser", async () => {
    const box = bobPage.getByLabel("Encrypted message", { exact: true });
    await box.fill(bobFirst);
    await box.press("Enter");
    const first = messageItem(bobPage, bobFirst);
    await first.hover();
    await first.getByRole("button", { name: "Edit", exact: true }).click();
    await visible(bobPage.getByText("Editing message"));
    assert.equal(await box.inputValue(), bobFirst);
    await box.fill(bobEdited);
    await box.press("Enter");
    await visible(messageItem(bobPage, bobEdited).getByText("(edited)"));

    const alices = messageItem(bobPage, aliceText);
    await alices.hover();
    await alices.getByRole("button", { name: "React", exact: true }).click();
    await alices.getByRole("button", { name: "React 👍" }).click();
    await visible(alices.getByRole("button", { name: "👍 1" }));

    // Alice's browser folds both into the messages they change.
    await visible(messageItem(alicePage, bobEdited).getByText("(edited)"), WAIT * 2);
    await visible(messageItem(alicePage, aliceText).getByRole("button", { name: "👍 1" }));
    assert.equal(await messageItem(alicePage, bobFirst).count(), 0, "the words edited away");
  });

  it("Carol replies in the thread of Alice's text from the terminal client", async () => {
    const sent = await run(["send", title, "--thread", aliceTextId, carolReply], carolDir);
    assert.equal(sent.code, 0, sent.stderr);
    assert.match(sent.stdout, new RegExp(`↳ .*${carolReply}`));
    // Each browser counts the reply under its root, and opens it in the thread's panel.
    for (const page of [alicePage, bobPage]) {
      const count = messageItem(page, aliceText).getByRole("link", { name: /^1 reply/ });
      await visible(count, WAIT * 2);
      await count.click();
      const panel = page.getByRole("complementary", { name: "Thread" });
      await visible(panel.getByRole("list", { name: "Replies" }).getByText(carolReply));
      await panel.getByRole("link", { name: "Close thread" }).click();
    }
  });

  it("Alice sends an image with the attach button, and Carol a file from the terminal client", async () => {
    const [chooser] = await Promise.all([
      alicePage.waitForEvent("filechooser", { timeout: WAIT }),
      alicePage.getByRole("button", { name: "Attach files" }).click(),
    ]);
    await chooser.setFiles({ name: image.name, mimeType: "image/png", buffer: image.bytes });
    const tray = alicePage.getByRole("list", { name: "Attachments to send" });
    await visible(tray.getByText(image.name));
    await alicePage.waitForFunction(
      () => !(globalThis as any).document.querySelector(".upload-tray progress"),
      undefined,
      { timeout: WAIT * 2 },
    );
    const box = alicePage.getByLabel("Encrypted message", { exact: true });
    await box.fill(imageWords);
    await box.press("Enter");
    await gone(tray, WAIT * 2);

    // Bob's browser opens the image and shows it decoded.
    const shown = messageItem(bobPage, imageWords).getByRole("img", { name: image.name });
    await visible(shown, WAIT * 2);
    await bobPage.waitForFunction(
      (img: any) => img.complete && img.naturalWidth === 64,
      await shown.elementHandle(),
      { timeout: WAIT * 2 },
    );

    const path = join(carolDir, carolFile.name);
    writeFileSync(path, carolFile.text);
    const sent = await run(["send", title, carolWords, "--attach", path], carolDir);
    assert.equal(sent.code, 0, sent.stderr);
    for (const page of [alicePage, bobPage]) {
      const card = messageItem(page, carolWords).getByRole("button", {
        name: new RegExp(`^Download ${carolFile.name}`),
      });
      await visible(card, WAIT * 2);
    }
  });

  it("Carol's terminal client reads all of it: the edit, the reaction, the thread and the image", async () => {
    const read = await carolReads(carolWords);
    assert.equal(bodyOf(read, bobFirst), undefined, "the words edited away");
    assert.equal(typeof bodyOf(read, bobEdited)?.edited_at, "number");
    assert.deepEqual(bodyOf(read, aliceText)?.reactions, [
      { emoji: "👍", count: 1, user_ids: [bob.id] },
    ]);
    // A thread's reply is counted under its root, and read in the thread.
    assert.equal(bodyOf(read, aliceText)?.thread?.reply_count, 1);
    assert.equal(bodyOf(read, carolReply), undefined, "in its thread only");
    const thread = await carolReads(carolReply, aliceTextId);
    assert.equal(bodyOf(thread, carolReply)?.thread_id, aliceTextId);
    const [file] = bodyOf(read, imageWords)?.attachments ?? [];
    assert.equal(file?.name, image.name);
    const imageId = file?.id ?? "";
    assert.equal(bodyOf(read, carolWords)?.attachments?.[0]?.name, carolFile.name);

    const out = join(carolDir, "got.png");
    const got = await run(["download", imageId, "--out", out], carolDir);
    assert.equal(got.code, 0, got.stderr);
    assert.deepEqual(readFileSync(out), image.bytes, "Carol's device opens the image's bytes");
  });

  it("no byte of any plaintext is in the database, its WAL, the uploads, the log or any answer or frame", async () => {
    // The log stream's last lines written out.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const files = serverFiles(server.dir);
    const names = files.map((f) => f.where);
    for (const name of ["chat.db", "chat.db-wal", "chat.db-shm", "server.log"])
      assert.ok(names.includes(name), `${name} is searched (of ${names.join(", ")})`);
    assert.ok(
      names.some((n) => n.startsWith("uploads/")),
      "the uploads are searched",
    );
    const sent = answersAndFrames(proxy.recorded());
    assert.ok(
      sent.some((s) => s.where.startsWith("the proxy's socket")),
      "socket frames kept",
    );
    assert.ok(
      sent.some((s) => s.where.includes("/attachments/")),
      "the uploads' downloads are kept",
    );
    const sources = [...files, ...sent];

    // The search finds what the server does hold: the group's title.
    const titleFound = found(files, { title });
    assert.ok(
      titleFound.some((f) => /chat\.db/.test(f)),
      `the title is in the database: ${titleFound}`,
    );
    const titleSent = found(sent, { title });
    assert.ok(
      titleSent.some((f) => f.includes(" GET /api/v1/conversations")),
      "in answers",
    );
    assert.ok(
      titleSent.some((f) => f.includes(" socket ")),
      "and in socket frames",
    );

    const leaks = found(sources, {
      "Alice's text": aliceText,
      "Bob's words before his edit": bobFirst,
      "Bob's edited words": bobEdited,
      "Carol's thread reply": carolReply,
      "the image's words": imageWords,
      "the image's name": image.name,
      "the image's marker": image.marker,
      "the image's bytes": image.bytes,
      "Carol's words": carolWords,
      "Carol's file's name": carolFile.name,
      "Carol's file's bytes": carolFile.text,
      ...Object.fromEntries(
        [aliceText, bobFirst, bobEdited, carolReply, imageWords, carolWords, carolFile.text].map(
          (text) => [`the secret word of "${text}"`, text.split(" ").at(-1) as string],
        ),
      ),
    });
    assert.deepEqual(leaks, [], `plaintext found:\n${leaks.join("\n")}`);
  });

  it("logged no errors", () => {
    assert.deepEqual(errors, []);
  });
});
