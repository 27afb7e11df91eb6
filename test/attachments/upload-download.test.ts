import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { createDirect, createGroup } from "../helpers/chat.js";
import { createUser, type TestUser } from "../helpers/factories.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { download, filesUnder, pngImage, upload, uploadOk } from "./support.js";

for (const database of ["sqlite", "postgres"] as const) {
  describe(`attachments: upload and download [${database}]`, () => {
    let server: TestServer;
    let a: TestUser;
    let b: TestUser;
    let outsider: TestUser;
    let conversationId: string;

    before(async () => {
      server = await startTestServer({ rate_limit: { enabled: false } }, { database });
      [a, b, outsider] = await Promise.all([
        createUser(server.url),
        createUser(server.url),
        createUser(server.url),
      ]);
      conversationId = (await createGroup(server.url, a, [b])).id;
    });
    after(() => server.stop());

    it("stores a file from a member and gives the same bytes back", async () => {
      const bytes = Buffer.from("%PDF-1.4\n% not really a pdf but starts like one\n");
      const res = await upload(server.url, a, conversationId, bytes, {
        name: "notes.pdf",
        type: "application/pdf",
      });
      assert.equal(res.status, 201, res.text);
      assert.equal(res.body.name, "notes.pdf");
      assert.equal(res.body.size, bytes.length);
      assert.equal(res.body.content_type, "application/pdf");
      assert.match(res.body.id, /^[0-9a-f-]{36}$/);
      const got = await download(server.url, a, `/attachments/${res.body.id}`);
      assert.equal(got.status, 200);
      assert.deepEqual(got.bytes, bytes);
      assert.equal(got.headers.get("content-type"), "application/pdf");
      assert.equal(got.headers.get("x-content-type-options"), "nosniff");
      assert.match(
        got.headers.get("content-disposition") ?? "",
        /^attachment; filename="notes.pdf"/,
      );
      assert.match(got.headers.get("cache-control") ?? "", /private/);
      assert.equal(got.headers.get("x-chat-encrypted"), null, "a plain conversation's file");
    });

    it("files live under the uploads directory beside the database, private to the server", async () => {
      const stored = filesUnder(join(server.dir, "uploads"));
      assert.ok(
        stored.some((path) => path.startsWith("blobs/")),
        stored.join(", "),
      );
      assert.deepEqual(
        stored.filter((path) => path.startsWith("tmp/")),
        [],
        "no temporary file is left",
      );
    });

    it("an image comes back inline with its dimensions and a thumbnail", async () => {
      const view = await uploadOk(server.url, a, conversationId, await pngImage(640, 480), {
        name: "photo.png",
        type: "image/png",
      });
      assert.equal(view.content_type, "image/png");
      assert.equal(view.width, 640);
      assert.equal(view.height, 480);
      assert.equal(view.thumbnail, true);
      const full = await download(server.url, a, `/attachments/${view.id}`);
      assert.equal(full.status, 200);
      assert.match(full.headers.get("content-disposition") ?? "", /^inline;/);
      assert.equal(full.headers.get("content-type"), "image/png");
      const thumb = await download(server.url, a, `/attachments/${view.id}/thumbnail`);
      assert.equal(thumb.status, 200);
      assert.equal(thumb.headers.get("content-type"), "image/webp");
      const { default: sharp } = await import("sharp");
      const meta = await sharp(thumb.bytes).metadata();
      assert.equal(meta.width, 320);
      assert.equal(meta.height, 240);
    });

    it("a non-member gets 404 on upload, download and thumbnail, and no bytes are kept", async () => {
      const view = await uploadOk(server.url, a, conversationId, await pngImage(), {
        name: "x.png",
      });
      const before = filesUnder(join(server.dir, "uploads")).sort();
      const denied = await upload(server.url, outsider, conversationId, Buffer.from("secret-ish"));
      assert.equal(denied.status, 404, denied.text);
      assert.equal(denied.body.error.code, "not_found");
      assert.deepEqual(filesUnder(join(server.dir, "uploads")).sort(), before);
      for (const path of [`/attachments/${view.id}`, `/attachments/${view.id}/thumbnail`]) {
        const got = await download(server.url, outsider, path);
        assert.equal(got.status, 404, path);
        assert.equal(JSON.parse(got.bytes.toString()).error.code, "not_found");
      }
      const missing = await download(
        server.url,
        a,
        "/attachments/00000000-0000-4000-8000-000000000000",
      );
      assert.equal(missing.status, 404);
      // An upload nobody has sent yet belongs to its uploader alone.
      const unsent = await download(server.url, b, `/attachments/${view.id}`);
      assert.equal(unsent.status, 404);
    });

    it("the type is sniffed from the bytes: the client's claim is ignored", async () => {
      const png = await uploadOk(server.url, a, conversationId, await pngImage(), {
        name: "page.html",
        type: "text/html",
      });
      assert.equal(png.content_type, "image/png");
      const html = Buffer.from("<!doctype html><script>alert(document.cookie)</script>");
      const page = await uploadOk(server.url, a, conversationId, html, {
        name: "cat.png",
        type: "image/png",
      });
      assert.ok(!page.content_type.startsWith("image/"), page.content_type);
      assert.equal(page.width, undefined);
      assert.equal(page.thumbnail, undefined);
      const got = await download(server.url, a, `/attachments/${page.id}`);
      assert.ok(!(got.headers.get("content-type") ?? "").startsWith("image/"));
      assert.ok(!(got.headers.get("content-type") ?? "").includes("html"));
      assert.match(got.headers.get("content-disposition") ?? "", /^attachment;/);
      assert.equal(got.headers.get("x-content-type-options"), "nosniff");
      assert.deepEqual(got.bytes, html);
      const thumb = await download(server.url, a, `/attachments/${page.id}/thumbnail`);
      assert.equal(thumb.status, 404);
    });

    it("an SVG is never shown inline", async () => {
      const svg = Buffer.from(
        '<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
      );
      const view = await uploadOk(server.url, a, conversationId, svg, {
        name: "logo.svg",
        type: "image/svg+xml",
      });
      const got = await download(server.url, a, `/attachments/${view.id}`);
      assert.match(got.headers.get("content-disposition") ?? "", /^attachment;/);
      assert.equal(view.thumbnail, undefined);
    });

    it("a direct conversation works the same, and a non-multipart body is refused", async () => {
      const direct = await createDirect(server.url, a, b);
      await uploadOk(server.url, b, direct.id, Buffer.from("hello"), { name: "hi.txt" });
      const res = await fetch(
        new URL(`/api/v1/conversations/${direct.id}/attachments`, server.url),
        {
          method: "POST",
          headers: { authorization: `Bearer ${b.token}`, "content-type": "application/json" },
          body: "{}",
        },
      );
      assert.equal(res.status, 415);
      const anonymous = await fetch(
        new URL(`/api/v1/conversations/${direct.id}/attachments`, server.url),
        { method: "POST", body: new FormData() },
      );
      assert.equal(anonymous.status, 401);
    });
  });
}
