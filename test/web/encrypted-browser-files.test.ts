/**
 * Files in an end-to-end encrypted conversation on a browser that is one of the person's
 * devices (docs/E2EE.md, "Encrypted attachments"), against another person's device run
 * by the SDK as the terminal client runs it (the set-up is encrypted-device-fixture.ts):
 * an image Bob's device sends shows decrypted inline and in the viewer, another file
 * downloads with its real name and the same bytes, a file whose stored ciphertext was
 * changed says so and shows or saves nothing; files attached in the browser by the
 * button, by dropping them and by pasting them are sealed there and sent with the words
 * of a reply, and Bob's device opens them to the same bytes; a file too large to seal is
 * refused before it is read; and no plaintext byte of any file, nor its name, reaches the
 * server's database, logs or uploads. Axe finds nothing with files shown and pending.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { ApiClient } from "@private-chat/sdk";
import {
  downloadSealedFile,
  type EncryptedChat,
  type EncryptedFile,
  foldMessages,
  uploadSealedFile,
} from "@private-chat/sdk/mls";
import type { Locator, Page } from "playwright-core";
import sharp from "sharp";
import {
  bobsGroup,
  type DeviceFixture,
  makeBrowserADevice,
  messageItem,
  startDeviceFixture,
  stopDeviceFixture,
} from "./encrypted-device-fixture.js";
import { conversationLink, gone, passesAxe, visible, WAIT } from "./helpers.js";

const REFUSED = "could not be opened: it was changed or is damaged";

/** A name no other test's file has, so a byte search finds only this one. */
const unique = (stem: string, ext: string) => `${stem}-${randomBytes(4).toString("hex")}.${ext}`;

async function png(width: number, height: number, rgb: [number, number, number]) {
  const [r, g, b] = rgb;
  return sharp({ create: { width, height, channels: 3, background: { r, g, b } } })
    .png()
    .toBuffer();
}

/** Every file under `dir`, its path and bytes. */
function filesUnder(dir: string): { path: string; bytes: Buffer }[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return filesUnder(path);
    return [{ path, bytes: readFileSync(path) }];
  });
}

/**
 * The natural size of a shown image once loaded, and the colour of its pixel (x, y). The
 * page-side functions take `any`: the tests compile without DOM types.
 */
async function loadedImage(image: Locator, x: number, y: number) {
  await visible(image);
  await image
    .page()
    .waitForFunction(
      (img: any) => img.complete && img.naturalWidth > 0,
      await image.elementHandle(),
      { timeout: WAIT },
    );
  return image.evaluate(
    (img: any, [px, py]) => {
      const canvas = (globalThis as any).document.createElement("canvas");
      canvas.width = img.naturalWidth;
      canvas.height = img.naturalHeight;
      const context = canvas.getContext("2d");
      context.drawImage(img, 0, 0);
      return {
        src: img.src as string,
        width: img.naturalWidth as number,
        height: img.naturalHeight as number,
        pixel: Array.from(context.getImageData(px, py, 1, 1).data as number[]).slice(0, 3),
      };
    },
    [x, y] as const,
  );
}

/** Clicks `button` and returns the file the browser saved: its name and bytes. */
async function saved(page: Page, button: Locator): Promise<{ name: string; bytes: Buffer }> {
  const [download] = await Promise.all([page.waitForEvent("download"), button.click()]);
  const path = await download.path();
  return { name: download.suggestedFilename(), bytes: readFileSync(path) };
}

describe("files in an encrypted conversation on this browser's device", {
  timeout: 300_000,
}, () => {
  let fixture: DeviceFixture;
  let page: Page;
  let bobApi: ApiClient;
  let bobChat: EncryptedChat;
  let conversationId: string;
  const title = "Shared files";
  const fromBob = "two files, word 6b1d";
  const brokenWords = "two broken files, word 2c8e";
  const toBob = "files for bob, word 5d3a";
  const photo = { name: unique("photo", "png"), type: "image/png", bytes: Buffer.alloc(0) };
  const report = {
    name: unique("report", "pdf"),
    type: "application/pdf",
    bytes: randomBytes(3000),
  };
  const sentImage = { name: unique("sent", "png"), type: "image/png", bytes: Buffer.alloc(0) };
  const dropped = { name: unique("dropped", "bin"), bytes: randomBytes(2048) };
  const pasted = {
    name: unique("pasted", "txt"),
    bytes: Buffer.from(`pasted ${unique("w", "x")}`),
  };
  const item = (text: string) => messageItem(page, text);

  before(async () => {
    photo.bytes = await png(64, 48, [200, 30, 90]);
    sentImage.bytes = await png(30, 20, [20, 160, 60]);
    fixture = await startDeviceFixture();
    ({ page, bobApi } = fixture);
    await makeBrowserADevice(page);
    ({ bobChat, conversationId } = await bobsGroup(fixture, title));
    await conversationLink(page, title).click();
  });

  after(() => stopDeviceFixture(fixture));

  const sealedUpload = (file: { name: string; type: string; bytes: Buffer }) =>
    uploadSealedFile(bobApi, conversationId, { ...file, bytes: new Uint8Array(file.bytes) });

  it("shows an image Bob's device sends decrypted, and saves another file with its bytes", async () => {
    const files = [await sealedUpload(photo), await sealedUpload(report)];
    await bobChat.sendContent({ kind: "text", body: fromBob, files }, "bob-files");

    const message = item(fromBob);
    const preview = message.getByRole("button", { name: `Open image ${photo.name}` });
    const shown = await loadedImage(preview.getByRole("img", { name: photo.name }), 10, 10);
    assert.match(shown.src, /^blob:/);
    assert.deepEqual([shown.width, shown.height], [64, 48]);
    assert.deepEqual(shown.pixel, [200, 30, 90]);

    const card = message.getByRole("button", { name: `Download ${report.name}, 2.9 KB` });
    assert.deepEqual(await saved(page, card), { name: report.name, bytes: report.bytes });

    // The viewer shows the same decrypted image, and saves it under its name.
    await preview.click();
    const viewer = page.getByRole("dialog", { name: photo.name });
    await loadedImage(viewer.getByRole("img", { name: photo.name }), 0, 0);
    const full = await saved(page, viewer.getByRole("button", { name: "Download" }));
    assert.deepEqual(full, { name: photo.name, bytes: photo.bytes });
    await page.keyboard.press("Escape");
    await gone(viewer);
    await passesAxe(page, "an encrypted conversation with an image and a file opened");
  });

  it("says a file whose stored ciphertext was changed does not open, and shows or saves nothing", async () => {
    const image = { name: unique("broken", "png"), type: "image/png", bytes: photo.bytes };
    const text = { name: unique("broken", "txt"), type: "text/plain", bytes: randomBytes(100) };
    const files = [await sealedUpload(image), await sealedUpload(text)];
    // One byte flipped in each stored blob, before any device downloaded it.
    const blobs = filesUnder(join(fixture.server.dir, "uploads"));
    for (const file of files) {
      const stored = Buffer.from(
        await (await bobApi.downloadAttachment(file.attachment_id)).arrayBuffer(),
      );
      const blob = blobs.find((b) => b.bytes.equals(stored));
      assert.ok(blob, "the ciphertext is stored as a file");
      blob.bytes[20] = (blob.bytes[20] as number) ^ 1;
      writeFileSync(blob.path, blob.bytes);
    }
    await bobChat.sendContent({ kind: "text", body: brokenWords, files }, "bob-broken");

    const message = item(brokenWords);
    await visible(message.getByText(`${image.name} ${REFUSED}`));
    assert.equal(await message.getByRole("img").count(), 0, "no image of what did not open");
    let downloads = 0;
    page.on("download", () => {
      downloads += 1;
    });
    await message.getByRole("button", { name: `Download ${text.name}, 100 B` }).click();
    await visible(message.getByRole("alert").getByText(`${text.name} ${REFUSED}`));
    assert.equal(downloads, 0, "nothing saved");
  });

  it("seals files attached by the button, a drop and a paste, and sends them with a reply", async () => {
    await page.locator('input[type="file"]').setInputFiles({
      name: sentImage.name,
      mimeType: sentImage.type,
      buffer: sentImage.bytes,
    });
    // Tests compile without DOM types, so the page-side code is given as text.
    await page.evaluate(`(() => {
      const bytes = Uint8Array.from(atob("${dropped.bytes.toString("base64")}"), (c) => c.charCodeAt(0));
      const drop = new DataTransfer();
      drop.items.add(new File([bytes], "${dropped.name}", { type: "application/octet-stream" }));
      const thread = document.querySelector("section.thread");
      for (const type of ["dragover", "drop"])
        thread.dispatchEvent(new DragEvent(type, { dataTransfer: drop, bubbles: true, cancelable: true }));
      const paste = new DataTransfer();
      paste.items.add(new File([${JSON.stringify(pasted.bytes.toString())}], "${pasted.name}", { type: "text/plain" }));
      const box = document.querySelector('textarea[aria-label="Encrypted message"]');
      box.dispatchEvent(new ClipboardEvent("paste", { clipboardData: paste, bubbles: true, cancelable: true }));
    })()`);
    const tray = page.getByRole("list", { name: "Attachments to send" });
    for (const file of [sentImage, dropped, pasted]) await visible(tray.getByText(file.name));
    await page.waitForFunction(
      () => !(globalThis as any).document.querySelector(".upload-tray progress"),
      undefined,
      { timeout: WAIT },
    );
    // The file's own size, not its ciphertext's.
    await visible(tray.getByText("2.0 KB"));
    await passesAxe(page, "an encrypted conversation with files waiting to be sent");

    await item(fromBob).getByRole("button", { name: "Reply", exact: true }).focus();
    await page.keyboard.press("Enter");
    // The box has the focus: the reply goes on from the keyboard.
    await visible(page.getByText(`Replying to ${fixture.bob.username}`));
    await page.keyboard.type(toBob);
    await page.keyboard.press("Enter");
    await gone(tray);
    const mine = item(toBob);
    await visible(mine.getByText(fromBob));
    const shown = await loadedImage(mine.getByRole("img", { name: sentImage.name }), 5, 5);
    assert.deepEqual([shown.width, shown.height, ...shown.pixel], [30, 20, 20, 160, 60]);
    await visible(mine.getByRole("button", { name: `Download ${dropped.name}, 2.0 KB` }));

    const history = await bobApi.history(conversationId, { after: 0, limit: 100 });
    const folded = foldMessages(await bobChat.read(history));
    const read = folded.find(({ shown }) => shown.kind === "text" && shown.body === toBob);
    const text = read?.shown.kind === "text" ? read.shown : undefined;
    const replied = folded.find(({ shown }) => shown.kind === "text" && shown.body === fromBob);
    assert.equal(text?.reply_to, replied?.message.seq, "the reply names Bob's message");
    const got = new Map<string, EncryptedFile>((text?.files ?? []).map((f) => [f.name, f]));
    assert.deepEqual([...got.keys()], [sentImage.name, dropped.name, pasted.name]);
    assert.equal(got.get(sentImage.name)?.type, "image/png");
    for (const file of [sentImage, dropped, pasted])
      assert.deepEqual(
        Buffer.from(await downloadSealedFile(bobApi, got.get(file.name)!)),
        file.bytes,
        `Bob's device opens ${file.name} to the bytes sent`,
      );
    // The server holds uploads under a neutral name, the tag longer than the files.
    const uploads = read?.message.attachments ?? [];
    for (const upload of uploads)
      assert.deepEqual(
        [upload.name, upload.content_type],
        ["encrypted", "application/octet-stream"],
      );
    assert.deepEqual(
      uploads.map((a) => a.size).sort((a, b) => a - b),
      [pasted, dropped, sentImage].map((f) => f.bytes.length + 16).sort((a, b) => a - b),
    );
  });

  it("shows a file sent without words by its name, in the timeline and the list", async () => {
    const alone = { name: unique("alone", "txt"), type: "text/plain", bytes: randomBytes(10) };
    const file = await sealedUpload(alone);
    await bobChat.sendContent({ kind: "text", body: "", files: [file] }, "bob-alone");
    const card = page.getByRole("button", { name: `Download ${alone.name}, 10 B` });
    await visible(card);
    const bubble = messageItem(page, alone.name).locator(".bubble");
    assert.equal(await bubble.locator("p.text").count(), 0, "no empty line of words");
    await visible(
      conversationLink(page, title).getByText(`${fixture.bob.username}: 📎 ${alone.name}`),
    );
  });

  it("refuses a file too large to seal before reading it", async () => {
    // 257 MiB of one MiB repeated: the browser holds the MiB once.
    await page.evaluate(`(() => {
      const mib = new Blob([new Uint8Array(1024 * 1024)]);
      const data = new DataTransfer();
      data.items.add(new File(Array(257).fill(mib), "huge.bin"));
      const box = document.querySelector('textarea[aria-label="Encrypted message"]');
      box.dispatchEvent(new ClipboardEvent("paste", { clipboardData: data, bubbles: true, cancelable: true }));
    })()`);
    const tray = page.getByRole("list", { name: "Attachments to send" });
    await visible(
      tray.getByText("Too large to send encrypted: at most 256.0 MB (this file has 257.0 MB)"),
    );
    assert.equal(
      await page.getByRole("button", { name: "Send encrypted" }).isDisabled(),
      true,
      "nothing to send",
    );
    await tray.getByRole("button", { name: "Remove huge.bin" }).click();
    await gone(tray);
  });

  it("leaves no plaintext byte or name of any file on the server", async () => {
    const stored = filesUnder(fixture.server.dir);
    assert.ok(stored.some((f) => f.path.endsWith("chat.db")));
    const secrets: [string, Buffer][] = [];
    for (const file of [photo, report, sentImage, dropped, pasted]) {
      secrets.push([file.name, file.bytes], [`the name ${file.name}`, Buffer.from(file.name)]);
      // Any run of 32 bytes of the random ones.
      if (file === report || file === dropped)
        for (const at of [0, 500, 1000, 2000])
          secrets.push([`${file.name} at ${at}`, file.bytes.subarray(at, at + 32)]);
    }
    for (const { path, bytes } of stored)
      for (const [what, secret] of secrets)
        assert.equal(bytes.includes(secret), false, `${what} is in ${path}`);
  });

  it("logged no errors", () => {
    assert.deepEqual(fixture.errors, []);
  });
});
