/**
 * Uploads that sniff as images but do not decode, on both engines: every decoded type cut
 * short at several points, corrupted, reduced to its header, animated with broken frames
 * or declaring huge dimensions must answer 422 invalid_image and keep nothing (no staged
 * file, no blob, no row). Damage a decoder reads past may be stored, but only re-encoded.
 * Image types the server does not decode are stored as opaque downloads, broken or not.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { isInlineImage } from "@private-chat/protocol/attachments";
import { sql } from "kysely";
import sharp from "sharp";
import { createGroup } from "../helpers/chat.js";
import { createUser, type TestUser } from "../helpers/factories.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { rawRequest } from "../security/support.js";
import { type BrokenFile, brokenImages, opaqueImages, overLimitImages } from "./broken-images.js";
import { API, download, filesUnder, upload } from "./support.js";

for (const database of ["sqlite", "postgres"] as const) {
  describe(`attachments: broken images [${database}]`, () => {
    let server: TestServer;
    let a: TestUser;
    let conversationId: string;
    let broken: Awaited<ReturnType<typeof brokenImages>>;

    before(async () => {
      server = await startTestServer({ rate_limit: { enabled: false } }, { database });
      a = await createUser(server.url);
      conversationId = (await createGroup(server.url, a, [])).id;
      broken = await brokenImages();
    });
    after(() => server.stop());

    const rows = async () =>
      Number(
        (
          await server.ctx.store.db
            .selectFrom("attachments")
            .select(sql<number>`count(*)`.as("n"))
            .executeTakeFirstOrThrow()
        ).n,
      );
    const disk = () => filesUnder(join(server.dir, "uploads")).sort();

    /** Uploads `file` and checks a refusal kept nothing; returns the answer. */
    async function send(file: BrokenFile) {
      const [rowsBefore, diskBefore] = [await rows(), disk()];
      const res = await upload(server.url, a, conversationId, file.bytes, { name: "x.img" });
      assert.ok(res.status < 500, `${file.name}: ${res.status} ${res.text}`);
      if (res.status >= 400) {
        assert.equal(await rows(), rowsBefore, `${file.name}: no row`);
        assert.deepEqual(disk(), diskBefore, `${file.name}: no file left`);
      }
      return res;
    }

    it("refuses every undecodable image with 422 invalid_image, keeping nothing", async () => {
      assert.ok(broken.refused.length >= 30);
      for (const file of broken.refused) {
        const res = await send(file);
        assert.equal(res.status, 422, `${file.name}: ${res.text}`);
        assert.equal(res.body.error.code, "invalid_image", file.name);
        assert.equal(typeof res.body.error.message, "string");
      }
      assert.deepEqual(
        disk().filter((path) => path.startsWith("tmp/")),
        [],
        "nothing staged",
      );
    });

    it("refuses images over the decoding limits from their header, naming the limit", async () => {
      const files = await overLimitImages();
      for (const file of files) {
        const res = await send(file);
        assert.equal(res.status, 422, `${file.name}: ${res.text}`);
        assert.equal(res.body.error.code, "invalid_image", file.name);
        assert.match(res.body.error.message, /at most [\d,.]+ (frames|megapixels)/, file.name);
      }
    });

    it("stores damage a decoder reads past only as a clean re-encoded image", async () => {
      for (const file of broken.tolerated) {
        const res = await send(file);
        if (res.status === 422) {
          assert.equal(res.body.error.code, "invalid_image", file.name);
          continue;
        }
        assert.equal(res.status, 201, `${file.name}: ${res.text}`);
        assert.ok(isInlineImage(res.body.content_type), file.name);
        assert.equal(res.body.thumbnail, true, file.name);
        const got = await download(server.url, a, `/attachments/${res.body.id}`);
        const meta = await sharp(got.bytes, { animated: true }).metadata();
        assert.equal(
          `image/${meta.format === "jpeg" ? "jpeg" : meta.format}`,
          res.body.content_type,
        );
        assert.deepEqual(
          [meta.width, meta.pageHeight ?? meta.height],
          [res.body.width, res.body.height],
        );
      }
    });

    it("stores other image types, broken or not, as downloads and never decodes them", async () => {
      for (const file of await opaqueImages()) {
        const res = await send(file);
        assert.equal(res.status, 201, `${file.name}: ${res.text}`);
        assert.ok(!isInlineImage(res.body.content_type), `${file.name}: ${res.body.content_type}`);
        assert.equal(res.body.thumbnail, undefined, file.name);
        assert.equal(res.body.size, file.bytes.length, `${file.name}: kept byte for byte`);
        const got = await download(server.url, a, `/attachments/${res.body.id}`);
        assert.match(got.headers.get("content-disposition") ?? "", /^attachment;/, file.name);
        assert.deepEqual(got.bytes, file.bytes, file.name);
      }
    });

    it("stores an empty file as an empty download", async () => {
      const res = await send({ name: "empty", bytes: Buffer.alloc(0) });
      assert.equal(res.status, 201, res.text);
      assert.equal(res.body.size, 0);
      assert.equal(res.body.content_type, "application/octet-stream");
    });
  });
}

for (const database of ["sqlite", "postgres"] as const) {
  describe(`attachments: malformed forms [${database}]`, () => {
    let server: TestServer;
    let a: TestUser;
    let conversationId: string;

    before(async () => {
      server = await startTestServer({ rate_limit: { enabled: false } }, { database });
      a = await createUser(server.url);
      conversationId = (await createGroup(server.url, a, [])).id;
    });
    after(() => server.stop());

    const B = "b0undary";
    const part = Buffer.from(
      `--${B}\r\nContent-Disposition: form-data; name="file"; filename="x.txt"\r\nContent-Type: text/plain\r\n\r\nhello world\r\n`,
    );
    const end = Buffer.from(`--${B}--\r\n`);
    const forms: [string, string, Buffer][] = [
      ["the wrong boundary", "multipart/form-data; boundary=other", Buffer.concat([part, end])],
      ["no boundary at all", "multipart/form-data", Buffer.concat([part, end])],
      ["a form cut short in its file", `multipart/form-data; boundary=${B}`, part.subarray(0, 90)],
      ["no closing boundary", `multipart/form-data; boundary=${B}`, part],
      ["no form inside", `multipart/form-data; boundary=${B}`, Buffer.from("garbage")],
      [
        "a part header that never ends",
        `multipart/form-data; boundary=${B}`,
        Buffer.concat([part.subarray(0, 60), Buffer.alloc(100_000, 0x58)]),
      ],
      [
        // The parser waits for the end of the headers that never comes: without the check
        // after the body's end, the request hung until the server's timeout cut it.
        "a line break inside the file name, before a large file",
        `multipart/form-data; boundary=${B}`,
        Buffer.concat([
          Buffer.from(
            `--${B}\r\nContent-Disposition: form-data; name="file"; filename="\nx.gif"\r\nContent-Type: image/gif\r\n\r\n`,
          ),
          Buffer.alloc(26_000, 0x58),
          Buffer.from(`\r\n--${B}--\r\n`),
        ]),
      ],
    ];

    it("leaves no staged file however early the form ends (the file is cut while opening)", async () => {
      const uploads = join(server.dir, "uploads");
      const before = filesUnder(uploads);
      const head = Buffer.from(
        `--${B}\r\nContent-Disposition: form-data; name="file"; filename="x"\r\n\r\n`,
      );
      for (let i = 0; i < 120; i++) {
        const body = Buffer.concat([head, Buffer.alloc((i % 8) * 100, 0x41)]);
        const res = await rawRequest(
          server.url,
          "POST",
          `${API}/conversations/${conversationId}/attachments`,
          {
            body,
            headers: {
              authorization: `Bearer ${a.token}`,
              "content-type": `multipart/form-data; boundary=${B}`,
            },
          },
        );
        assert.equal(res.status, 400, res.text);
        assert.deepEqual(filesUnder(uploads), before, `after form ${i}`);
      }
    });

    for (const [name, contentType, body] of forms) {
      it(`answers ${name} with 400 invalid_request, keeping nothing`, async () => {
        const uploads = join(server.dir, "uploads");
        const before = filesUnder(uploads);
        const res = await rawRequest(
          server.url,
          "POST",
          `${API}/conversations/${conversationId}/attachments`,
          { body, headers: { authorization: `Bearer ${a.token}`, "content-type": contentType } },
        );
        assert.equal(res.status, 400, res.text);
        assert.equal((res.json as { error: { code: string } }).error.code, "invalid_request");
        assert.deepEqual(filesUnder(uploads), before);
        const count = await server.ctx.store.db
          .selectFrom("attachments")
          .select(sql<number>`count(*)`.as("n"))
          .executeTakeFirstOrThrow();
        assert.equal(Number(count.n), 0);
      });
    }
  });
}
