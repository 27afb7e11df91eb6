import assert from "node:assert/strict";
import { statSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { createGroup } from "../helpers/chat.js";
import { createUser, type TestUser } from "../helpers/factories.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { filesUnder, upload, uploadOk } from "./support.js";

const MAX_FILE = 64 * 1024;
const QUOTA = 150 * 1024;

describe("attachments: size limit, quota and files on disk", () => {
  let server: TestServer;
  let a: TestUser;
  let b: TestUser;
  let conversationId: string;
  const uploads = () => join(server.dir, "uploads");

  before(async () => {
    server = await startTestServer({
      rate_limit: { enabled: false },
      uploads: { max_file_bytes: MAX_FILE, user_quota_bytes: QUOTA },
    });
    [a, b] = await Promise.all([createUser(server.url), createUser(server.url)]);
    conversationId = (await createGroup(server.url, a, [b])).id;
  });
  after(() => server.stop());

  it("takes a file of exactly the limit", async () => {
    const view = await uploadOk(server.url, a, conversationId, Buffer.alloc(MAX_FILE, 7));
    assert.equal(view.size, MAX_FILE);
  });

  it("refuses a file one byte over the limit with 413 file_too_large, keeping nothing", async () => {
    const before = filesUnder(uploads()).sort();
    const res = await upload(server.url, b, conversationId, Buffer.alloc(MAX_FILE + 1, 1));
    assert.equal(res.status, 413, res.text);
    assert.equal(res.body.error.code, "file_too_large");
    assert.deepEqual(filesUnder(uploads()).sort(), before);
  });

  it("refuses a much larger file the same way, without reading it all", async () => {
    const before = filesUnder(uploads()).sort();
    const res = await upload(server.url, b, conversationId, Buffer.alloc(4 * 1024 * 1024, 2));
    assert.equal(res.status, 413, res.text);
    assert.equal(res.body.error.code, "file_too_large");
    assert.deepEqual(filesUnder(uploads()).sort(), before);
    assert.deepEqual(
      filesUnder(join(uploads(), "tmp")),
      [],
      "the temporary file of the refused upload is gone",
    );
  });

  it("keeps directories 0700 and files 0600", () => {
    const files = filesUnder(uploads());
    assert.ok(files.length > 0);
    for (const file of files) {
      assert.equal(statSync(join(uploads(), file)).mode & 0o777, 0o600, file);
    }
    for (const dir of ["", "blobs", "tmp"]) {
      assert.equal(statSync(join(uploads(), dir)).mode & 0o777, 0o700, dir || "uploads");
    }
  });

  it("refuses uploads past the user's quota with 413 quota_exceeded", async () => {
    // a has MAX_FILE stored; one more fits, the third passes the quota.
    await uploadOk(server.url, a, conversationId, Buffer.alloc(MAX_FILE, 3));
    const before = filesUnder(uploads()).sort();
    const over = await upload(server.url, a, conversationId, Buffer.alloc(MAX_FILE, 4));
    assert.equal(over.status, 413, over.text);
    assert.equal(over.body.error.code, "quota_exceeded");
    assert.deepEqual(filesUnder(uploads()).sort(), before);
    // What is left of the quota still takes a small file; the quota is per user.
    await uploadOk(server.url, a, conversationId, Buffer.alloc(1024, 5));
    await uploadOk(server.url, b, conversationId, Buffer.alloc(MAX_FILE, 6));
  });

  it("refuses at once when nothing of the quota is left", async () => {
    await uploadOk(server.url, a, conversationId, Buffer.alloc(QUOTA - 2 * MAX_FILE - 1024, 8));
    const res = await upload(server.url, a, conversationId, Buffer.from("x"));
    assert.equal(res.status, 413, res.text);
    assert.equal(res.body.error.code, "quota_exceeded");
  });

  it("answers a form without a file part with invalid_request", async () => {
    const form = new FormData();
    form.append("note", "no file here");
    const res = await fetch(
      new URL(`/api/v1/conversations/${conversationId}/attachments`, server.url),
      { method: "POST", headers: { authorization: `Bearer ${b.token}` }, body: form },
    );
    assert.equal(res.status, 400);
    assert.equal(((await res.json()) as any).error.code, "invalid_request");
  });
});
