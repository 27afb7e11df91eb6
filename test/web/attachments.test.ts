/**
 * Attaching files in the web app: an image picked with the file input uploads, is sent,
 * and shows as a preview (loaded through a blob: URL under the page's CSP) that opens a
 * viewer; another member sees it live; a non-image shows as a file card.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Browser, Page } from "playwright-core";
import sharp from "sharp";
import { launchBrowser } from "../helpers/browser.js";
import { createGroup } from "../helpers/chat.js";
import { createUser, type TestUser } from "../helpers/factories.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import {
  conversationLink,
  gone,
  messageList,
  signIn,
  visible,
  WAIT,
  watchErrors,
} from "./helpers.js";

/** The parts of an <img> element the checks read (the tests compile without DOM types). */
interface LoadedImage {
  complete: boolean;
  naturalWidth: number;
}

describe("attachments in the web app", { timeout: 120_000 }, () => {
  let server: TestServer;
  let browser: Browser;
  let a: Page;
  let b: Page;
  let alice: TestUser;
  let bob: TestUser;
  const errors: string[] = [];
  const title = "Holiday photos";

  before(async () => {
    server = await startTestServer({ rate_limit: { enabled: false } });
    [alice, bob] = await Promise.all([createUser(server.url), createUser(server.url)]);
    await createGroup(server.url, alice, [bob], title);
    browser = await launchBrowser();
    a = await (await browser.newContext()).newPage();
    b = await (await browser.newContext()).newPage();
    watchErrors(a, errors);
    watchErrors(b, errors);
    for (const [page, user] of [
      [a, alice],
      [b, bob],
    ] as const) {
      await signIn(page, server.url, { username: user.username, displayName: user.username });
      await conversationLink(page, title).click();
      await visible(page.getByRole("heading", { name: title, level: 2 }));
    }
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  /** Waits until the preview's image has loaded from a blob: URL; returns its natural width. */
  async function loadedPreview(page: Page, name: string): Promise<number> {
    const image = messageList(page)
      .getByRole("button", { name: `Open image ${name}` })
      .locator("img");
    await visible(image);
    await page.waitForFunction(
      (img) =>
        (img as unknown as LoadedImage).complete &&
        (img as unknown as LoadedImage).naturalWidth > 0,
      await image.elementHandle(),
      { timeout: WAIT },
    );
    assert.match((await image.getAttribute("src")) ?? "", /^blob:/);
    return image.evaluate((img) => (img as unknown as LoadedImage).naturalWidth);
  }

  it("attaches an image with the file input, sends it and shows its preview", async () => {
    const png = await sharp({
      create: { width: 800, height: 600, channels: 3, background: { r: 20, g: 140, b: 200 } },
    })
      .png()
      .toBuffer();
    await a.locator('input[type="file"]').setInputFiles({
      name: "beach.png",
      mimeType: "image/png",
      buffer: png,
    });
    const tray = a.getByRole("list", { name: "Attachments to send" });
    await visible(tray.getByText("beach.png"));
    await gone(tray.getByRole("progressbar"));
    await a.getByLabel("Message", { exact: true }).fill("the beach");
    await a.getByRole("button", { name: "Send", exact: true }).click();
    await gone(tray);

    // The preview is the 320-pixel thumbnail, loaded with the token through a blob: URL.
    assert.equal(await loadedPreview(a, "beach.png"), 320);
    await visible(messageList(a).getByText("the beach"));
    assert.equal(await loadedPreview(b, "beach.png"), 320);
  });

  it("opens the full image in a viewer and closes it with Escape", async () => {
    await messageList(a).getByRole("button", { name: "Open image beach.png" }).click();
    const viewer = a.getByRole("dialog", { name: "beach.png" });
    await visible(viewer);
    const full = viewer.locator("img");
    await visible(full);
    await a.waitForFunction(
      (img) => (img as unknown as LoadedImage).naturalWidth === 800,
      await full.elementHandle(),
      { timeout: WAIT },
    );
    await a.keyboard.press("Escape");
    await gone(viewer);
  });

  it("shows another kind of file as a card with its name and size", async () => {
    await a.locator('input[type="file"]').setInputFiles({
      name: "notes.txt",
      mimeType: "text/plain",
      buffer: Buffer.from("x".repeat(2048)),
    });
    const tray = a.getByRole("list", { name: "Attachments to send" });
    await visible(tray.getByText("2.0 KB"));
    // Files alone make a message.
    await a.getByRole("button", { name: "Send", exact: true }).click();
    await visible(messageList(b).getByRole("button", { name: "Download notes.txt, 2.0 KB" }));
    await visible(messageList(a).getByRole("button", { name: "Download notes.txt, 2.0 KB" }));
  });

  it("attaches a file dropped on the conversation and one pasted into the message box", async () => {
    // Tests compile without DOM types, so the page-side code is given as text.
    await a.evaluate(`(() => {
      const data = new DataTransfer();
      data.items.add(new File(["dropped bytes"], "dropped.txt", { type: "text/plain" }));
      const thread = document.querySelector("section.thread");
      thread.dispatchEvent(new DragEvent("dragover", { dataTransfer: data, bubbles: true, cancelable: true }));
      thread.dispatchEvent(new DragEvent("drop", { dataTransfer: data, bubbles: true, cancelable: true }));
    })()`);
    await a.evaluate(`(() => {
      const data = new DataTransfer();
      data.items.add(new File(["pasted bytes!"], "pasted.txt", { type: "text/plain" }));
      const box = document.querySelector('textarea[aria-label="Message"]');
      box.dispatchEvent(new ClipboardEvent("paste", { clipboardData: data, bubbles: true, cancelable: true }));
    })()`);
    const tray = a.getByRole("list", { name: "Attachments to send" });
    await visible(tray.getByText("dropped.txt"));
    await visible(tray.getByText("pasted.txt"));
    for (const name of ["dropped.txt", "pasted.txt"]) {
      await gone(tray.getByRole("progressbar", { name: `Uploading ${name}` }));
    }
    await a.getByLabel("Message", { exact: true }).fill("two more");
    await a.getByRole("button", { name: "Send", exact: true }).click();
    for (const name of ["dropped.txt, 13 B", "pasted.txt, 13 B"]) {
      await visible(messageList(b).getByRole("button", { name: `Download ${name}` }));
    }
    assert.deepEqual(errors, []);
  });
});
