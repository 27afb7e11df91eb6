/**
 * One behavioural suite for both blob stores: files on local disk, and an S3-compatible
 * bucket served by s3rver on loopback. The REST flow also runs once over S3.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { text } from "node:stream/consumers";
import { after, before, describe, it } from "node:test";
import S3rver from "s3rver";
import { BlobMismatch, type BlobStore, newBlobName } from "../../src/attachments/blob-store.js";
import { LocalBlobStore } from "../../src/attachments/local-store.js";
import { S3BlobStore } from "../../src/attachments/s3-store.js";
import { createGroup } from "../helpers/chat.js";
import { createUser } from "../helpers/factories.js";
import { startTestServer } from "../helpers/server.js";
import { download, filesUnder, pngImage, uploadOk } from "./support.js";

const HELLO_SHA256 = "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9";

interface Opened {
  store: BlobStore;
  /** Where local bytes may be left behind: the store's own directory or its spool. */
  localDir: string;
}

let s3: S3rver | undefined;
let s3Endpoint = "";
const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "chat-blobs-"));
  dirs.push(dir);
  return dir;
}

before(async () => {
  s3 = new S3rver({
    port: 0,
    address: "127.0.0.1",
    silent: true,
    directory: tempDir(),
    configureBuckets: [{ name: "chat-files" }],
  });
  const { port } = await s3.run();
  s3Endpoint = `http://127.0.0.1:${port}`;
});
after(async () => {
  await s3?.close();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const kinds: Record<string, () => Opened> = {
  local: () => {
    const dir = tempDir();
    return { store: new LocalBlobStore(dir), localDir: dir };
  },
  s3: () => {
    const spool = tempDir();
    const store = new S3BlobStore({
      endpoint: s3Endpoint,
      bucket: "chat-files",
      region: "us-east-1",
      accessKeyId: "S3RVER",
      secretAccessKey: "S3RVER",
      forcePathStyle: true,
      spoolDir: spool,
    });
    return { store, localDir: spool };
  },
};

for (const [kind, open] of Object.entries(kinds)) {
  describe(`blob store [${kind}]`, () => {
    let opened: Opened;
    before(() => {
      opened = open();
    });

    it("stores a stream under a name made of the SHA-256 of its bytes and reads it back", async () => {
      const stored = await opened.store.put(
        HELLO_SHA256,
        Readable.from([Buffer.from("hello "), Buffer.from("world")]),
      );
      assert.deepEqual(stored, { sha256: HELLO_SHA256, size: 11 });
      assert.equal(await opened.store.exists(HELLO_SHA256), true);
      assert.equal(await opened.store.size(HELLO_SHA256), 11);
      const whole = await opened.store.get(HELLO_SHA256);
      assert.ok(whole);
      assert.equal(await text(whole), "hello world");
      const part = await opened.store.get(HELLO_SHA256, { start: 6, end: 9 });
      assert.ok(part);
      assert.equal(await text(part), "worl");
      // The same bytes again: same name, still one blob.
      assert.deepEqual(
        await opened.store.put(HELLO_SHA256, Readable.from([Buffer.from("hello world")])),
        stored,
      );
      // Another life of the same content: a name of its own, deleted on its own.
      const later = newBlobName(HELLO_SHA256);
      assert.notEqual(later, newBlobName(HELLO_SHA256));
      await opened.store.put(later, Readable.from([Buffer.from("hello world")]));
      await opened.store.delete(HELLO_SHA256);
      const kept = await opened.store.get(later);
      assert.ok(kept);
      assert.equal(await text(kept), "hello world");
      await opened.store.delete(later);
      await opened.store.put(HELLO_SHA256, Readable.from([Buffer.from("hello world")]));
    });

    it("refuses bytes that do not hash to their name, and keeps nothing of them", async () => {
      const name = newBlobName(HELLO_SHA256);
      await assert.rejects(
        opened.store.put(name, Readable.from([Buffer.from("hello there")])),
        BlobMismatch,
      );
      assert.equal(await opened.store.exists(name), false);
      assert.deepEqual(
        filesUnder(opened.localDir).filter((f) => !f.startsWith("blobs/")),
        [],
      );
    });

    it("answers undefined for a missing blob, and deleting twice is fine", async () => {
      const missing = "0".repeat(64);
      assert.equal(await opened.store.get(missing), undefined);
      assert.equal(await opened.store.size(missing), undefined);
      assert.equal(await opened.store.exists(missing), false);
      await opened.store.delete(HELLO_SHA256);
      await opened.store.delete(HELLO_SHA256);
      assert.equal(await opened.store.exists(HELLO_SHA256), false);
    });

    it("leaves no temporary file when the source fails half way", async () => {
      const failing = new Readable({
        read() {
          this.push(Buffer.alloc(1024, 1));
          this.destroy(new Error("client went away"));
        },
      });
      await assert.rejects(
        opened.store.put(newBlobName(HELLO_SHA256), failing),
        /client went away/,
      );
      assert.deepEqual(
        filesUnder(opened.localDir).filter((f) => !f.startsWith("blobs/")),
        [],
      );
    });

    it("refuses a name that is not a SHA-256 (with its suffix)", async () => {
      await assert.rejects(opened.store.get("../../etc/passwd"), /not a blob name/);
      await assert.rejects(opened.store.get(`${HELLO_SHA256}-../../x`), /not a blob name/);
      await assert.rejects(
        opened.store.put(`${HELLO_SHA256}/..`, Readable.from([Buffer.from("hello world")])),
        /not a blob name/,
      );
    });
  });
}

describe('attachments over REST with [uploads] store = "s3"', () => {
  it("uploads, downloads with a range and serves the thumbnail from the bucket", async () => {
    const server = await startTestServer({
      rate_limit: { enabled: false },
      uploads: {
        store: "s3",
        s3_endpoint: s3Endpoint,
        s3_bucket: "chat-files",
        s3_access_key_id: "S3RVER",
        s3_secret_access_key: "S3RVER",
        s3_force_path_style: true,
      },
    });
    try {
      const user = await createUser(server.url);
      const conversation = await createGroup(server.url, user, []);
      const bytes = Buffer.from("bytes kept in a bucket");
      const file = await uploadOk(server.url, user, conversation.id, bytes, { name: "b.txt" });
      const got = await download(server.url, user, `/attachments/${file.id}`, {
        range: "bytes=6-9",
      });
      assert.equal(got.status, 206);
      assert.equal(got.bytes.toString(), "kept");
      const image = await uploadOk(server.url, user, conversation.id, await pngImage(400, 200));
      const thumb = await download(server.url, user, `/attachments/${image.id}/thumbnail`);
      assert.equal(thumb.status, 200);
      assert.equal(thumb.headers.get("content-type"), "image/webp");
      // Nothing but the (empty) spool stays on local disk.
      assert.deepEqual(filesUnder(join(server.dir, "uploads")), []);
    } finally {
      await server.stop();
    }
  });
});
