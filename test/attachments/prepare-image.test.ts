/**
 * prepareImage on its own, without a server: every broken or over-limit file of the
 * decoded types throws invalid_image and leaves nothing in its directory; animations
 * within the limits keep every frame; the container walk reads files far larger than its
 * window (long runs of one-byte GIF blocks, large frames) correctly; and a full queue
 * throws server_busy before anything is written.
 */
import assert from "node:assert/strict";
import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { isInlineImage } from "@private-chat/protocol/attachments";
import sharp from "sharp";
import { ImageQueue } from "../../src/attachments/image-queue.js";
import { MAX_FRAMES, prepareImage } from "../../src/attachments/images.js";
import { SNIFF_BYTES, sniffContentType } from "../../src/attachments/sniff.js";
import { AppError } from "../../src/errors.js";
import { animatedImage, brokenImages, canvasBombGif, validImage } from "./broken-images.js";

describe("prepareImage", () => {
  let dir: string;
  let out: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "prepare-image-"));
    out = join(dir, "out");
    await mkdir(out);
  });
  after(() => rm(dir, { recursive: true, force: true }));

  async function prepare(bytes: Buffer, type: string, queue?: ImageQueue) {
    const path = join(dir, "input");
    await writeFile(path, bytes);
    return prepareImage(path, type, out, queue);
  }

  it("throws invalid_image for every broken or over-limit file, leaving nothing behind", async () => {
    const { refused } = await brokenImages();
    for (const file of refused) {
      // As the upload route does: the type comes from the first bytes.
      const type = await sniffContentType(file.bytes.subarray(0, SNIFF_BYTES));
      assert.ok(isInlineImage(type), `${file.name}: sniffed as ${type}`);
      const err = await prepare(file.bytes, type).then(
        () => undefined,
        (e: unknown) => e,
      );
      assert.ok(err instanceof AppError, `${file.name}: ${String(err)}`);
      assert.equal(err.code, "invalid_image", file.name);
      assert.deepEqual(await readdir(out), [], `${file.name}: nothing left`);
    }
  });

  it("keeps every frame of an animation within the limits", async () => {
    for (const type of ["image/gif", "image/webp"] as const) {
      const prepared = await prepare(await animatedImage(type), type);
      const meta = await sharp(prepared.file, { animated: true }).metadata();
      assert.equal(meta.pages, 3, type);
      assert.deepEqual(prepared.info, { width: 80, height: 60 });
      assert.equal((await sharp(prepared.thumbnail).metadata()).pages ?? 1, 1);
      await prepared.discard();
    }
    // As many frames as allowed (the encoder may merge identical ones).
    const longest = await prepare(canvasBombGif(4, 4, MAX_FRAMES), "image/gif");
    await longest.discard();
    assert.deepEqual(await readdir(out), []);
  });

  it("walks containers far larger than its read window", async () => {
    // A comment extension of 200,000 one-byte blocks before the first frame.
    const gif = await validImage("image/gif");
    const comment = Buffer.concat([
      Buffer.from([0x21, 0xfe]),
      Buffer.alloc(400_000).fill(Buffer.from([1, 0x41])),
      Buffer.from([0]),
    ]);
    const table = 3 * 2 ** (((gif[10] as number) & 0x07) + 1);
    const at = 13 + table;
    const padded = Buffer.concat([gif.subarray(0, at), comment, gif.subarray(at)]);
    const prepared = await prepare(padded, "image/gif");
    assert.deepEqual(prepared.info, { width: 160, height: 120 });
    await prepared.discard();
    // Large frames: blocks and chunks that cross many windows.
    const noise = sharp({
      create: {
        width: 640,
        height: 480,
        channels: 3,
        background: "grey",
        noise: { type: "gaussian", mean: 128, sigma: 40 },
      },
    });
    for (const [type, bytes] of [
      ["image/gif", await noise.clone().gif().toBuffer()],
      ["image/png", await noise.clone().png().toBuffer()],
      ["image/webp", await noise.clone().webp({ lossless: true }).toBuffer()],
    ] as const) {
      assert.ok(bytes.length > 4 * 64 * 1024, `${type}: ${bytes.length} bytes`);
      const large = await prepare(bytes, type);
      assert.deepEqual(large.info, { width: 640, height: 480 }, type);
      await large.discard();
    }
    assert.deepEqual(await readdir(out), []);
  });

  it("throws server_busy when its queue is full, writing nothing", async () => {
    const queue = new ImageQueue(1, 0);
    let release!: () => void;
    const held = queue.run(
      () =>
        new Promise<void>((resolve) => {
          release = resolve;
        }),
    );
    await assert.rejects(prepare(await validImage("image/png"), "image/png", queue), {
      code: "server_busy",
    });
    assert.deepEqual(await readdir(out), []);
    release();
    await held;
  });
});
