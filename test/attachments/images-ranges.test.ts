import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import sharp from "sharp";
import { createGroup } from "../helpers/chat.js";
import { createUser, type TestUser } from "../helpers/factories.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { download, upload, uploadOk } from "./support.js";

/** A 60x40 JPEG shot "sideways" (orientation 6) with an owner and a GPS position. */
function jpegWithExif(): Promise<Buffer> {
  return sharp({ create: { width: 60, height: 40, channels: 3, background: "blue" } })
    .withMetadata({ orientation: 6 })
    .withExifMerge({
      IFD0: { Copyright: "SECRET-OWNER" },
      IFD3: {
        GPSLatitudeRef: "N",
        GPSLatitude: "51/1 30/1 0/1",
        GPSLongitudeRef: "W",
        GPSLongitude: "0/1 7/1 0/1",
      },
    })
    .jpeg()
    .toBuffer();
}

const GPS_IFD_TAG = [Buffer.from([0x25, 0x88]), Buffer.from([0x88, 0x25])];

describe("attachments: image metadata and ranges", () => {
  let server: TestServer;
  let a: TestUser;
  let conversationId: string;

  before(async () => {
    server = await startTestServer({ rate_limit: { enabled: false } });
    a = await createUser(server.url);
    conversationId = (await createGroup(server.url, a, [])).id;
  });
  after(() => server.stop());

  it("strips EXIF (GPS included) from a JPEG and applies its orientation", async () => {
    const original = await jpegWithExif();
    const meta = await sharp(original).metadata();
    assert.ok(meta.exif, "the test image carries EXIF");
    assert.ok(
      GPS_IFD_TAG.some((tag) => meta.exif?.includes(tag)),
      "and a GPS block",
    );
    assert.ok(original.includes("SECRET-OWNER"));

    const view = await uploadOk(server.url, a, conversationId, original, {
      name: "holiday.jpg",
      type: "image/jpeg",
    });
    assert.equal(view.content_type, "image/jpeg");
    assert.deepEqual([view.width, view.height], [40, 60]);

    for (const path of [`/attachments/${view.id}`, `/attachments/${view.id}/thumbnail`]) {
      const got = await download(server.url, a, path);
      assert.equal(got.status, 200, path);
      const served = await sharp(got.bytes).metadata();
      assert.equal(served.exif, undefined, `${path} has no EXIF`);
      assert.equal(served.xmp, undefined, `${path} has no XMP`);
      assert.ok(!got.bytes.includes("SECRET-OWNER"), path);
      assert.ok(!served.orientation || served.orientation === 1, path);
      assert.deepEqual([served.width, served.height], [40, 60], path);
    }
    const full = await download(server.url, a, `/attachments/${view.id}`);
    assert.equal(view.size, full.bytes.length);
  });

  it("re-encodes GIF and WebP too, keeping their type", async () => {
    const base = sharp({ create: { width: 30, height: 20, channels: 3, background: "green" } });
    for (const [bytes, type] of [
      [await base.clone().gif().toBuffer(), "image/gif"],
      [await base.clone().webp().toBuffer(), "image/webp"],
    ] as const) {
      const view = await uploadOk(server.url, a, conversationId, bytes, { type: "text/plain" });
      assert.equal(view.content_type, type);
      assert.deepEqual([view.width, view.height], [30, 20]);
      const got = await download(server.url, a, `/attachments/${view.id}`);
      assert.equal(got.headers.get("content-type"), type);
      assert.equal((await sharp(got.bytes).metadata()).width, 30);
    }
  });

  it("refuses a file that looks like an image but does not decode", async () => {
    const broken = Buffer.concat([
      (
        await sharp({ create: { width: 9, height: 9, channels: 3, background: "red" } })
          .png()
          .toBuffer()
      ).subarray(0, 40),
      Buffer.alloc(64),
    ]);
    const res = await upload(server.url, a, conversationId, broken, { name: "broken.png" });
    assert.equal(res.status, 422, res.text);
    assert.equal(res.body.error.code, "invalid_image");
  });

  describe("range requests", () => {
    const bytes = Buffer.from(Array.from({ length: 1000 }, (_, i) => i % 251));
    let path = "";

    before(async () => {
      const view = await uploadOk(server.url, a, conversationId, bytes, { name: "data.bin" });
      path = `/attachments/${view.id}`;
    });

    it("advertises ranges and answers a range with 206 and exactly those bytes", async () => {
      const whole = await download(server.url, a, path);
      assert.equal(whole.headers.get("accept-ranges"), "bytes");
      assert.equal(whole.headers.get("content-length"), "1000");
      const part = await download(server.url, a, path, { range: "bytes=100-199" });
      assert.equal(part.status, 206);
      assert.equal(part.headers.get("content-range"), "bytes 100-199/1000");
      assert.equal(part.headers.get("content-length"), "100");
      assert.deepEqual(part.bytes, bytes.subarray(100, 200));
    });

    it("answers open-ended and suffix ranges", async () => {
      const tail = await download(server.url, a, path, { range: "bytes=990-" });
      assert.equal(tail.status, 206);
      assert.deepEqual(tail.bytes, bytes.subarray(990));
      const suffix = await download(server.url, a, path, { range: "bytes=-5" });
      assert.equal(suffix.status, 206);
      assert.equal(suffix.headers.get("content-range"), "bytes 995-999/1000");
      assert.deepEqual(suffix.bytes, bytes.subarray(995));
      const clamped = await download(server.url, a, path, { range: "bytes=900-5000" });
      assert.equal(clamped.headers.get("content-range"), "bytes 900-999/1000");
    });

    it("answers a range past the end with 416 and the size", async () => {
      const res = await download(server.url, a, path, { range: "bytes=1000-1010" });
      assert.equal(res.status, 416);
      assert.equal(res.headers.get("content-range"), "bytes */1000");
      assert.equal(JSON.parse(res.bytes.toString()).error.code, "range_not_satisfiable");
    });

    it("serves the whole file for a header it does not take (several ranges)", async () => {
      const res = await download(server.url, a, path, { range: "bytes=0-1,5-6" });
      assert.equal(res.status, 200);
      assert.equal(res.bytes.length, 1000);
    });

    it("answers a matching If-None-Match with 304", async () => {
      const first = await download(server.url, a, path);
      const etag = first.headers.get("etag");
      assert.ok(etag);
      const again = await download(server.url, a, path, { "if-none-match": etag });
      assert.equal(again.status, 304);
    });
  });
});
