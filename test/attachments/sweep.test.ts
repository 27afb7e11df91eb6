/**
 * The attachment service's housekeeping against real databases and a real directory:
 * uploads never sent expire, and rows left by a crash between commit and collection are
 * finished by the next sweep.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { after, before, it } from "node:test";
import { LocalBlobStore } from "../../src/attachments/local-store.js";
import { AttachmentService } from "../../src/attachments/service.js";
import type { User } from "../../src/storage/users.js";
import { conversationRow, makeUsers, memberRow } from "../helpers/chat-rows.js";
import { describeEachEngine } from "../helpers/databases.js";
import { filesUnder } from "./support.js";

describeEachEngine("attachment sweeps", (get) => {
  let dir: string;
  let user: User;
  let conversationId: string;
  const errors: unknown[] = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "chat-sweep-"));
    const { store } = get();
    const [id] = (await makeUsers(store, 1)) as [string];
    const found = await store.users.byId(id);
    assert.ok(found);
    user = found;
    const conversation = conversationRow();
    conversationId = conversation.id;
    await store.conversations.create(conversation);
    await store.conversations.addMembers([memberRow(conversationId, id)]);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  function service(unsentTtlMs: number): AttachmentService {
    return new AttachmentService({
      store: get().store,
      blobs: new LocalBlobStore(join(dir, "uploads")),
      stagingDir: join(dir, "uploads", "tmp"),
      maxFileBytes: () => 1024 * 1024,
      userQuotaBytes: 10 * 1024 * 1024,
      unsentTtlMs,
      onError: (err) => errors.push(err),
    });
  }

  async function uploadText(attachments: AttachmentService, text: string) {
    const allowance = await attachments.uploadAllowance(user, conversationId);
    return attachments.upload(user, conversationId, allowance, {
      source: Readable.from([Buffer.from(text)]),
      filename: "note.txt",
    });
  }

  it("keeps unsent uploads younger than the limit", async () => {
    const attachments = service(60 * 60 * 1000);
    const view = await uploadText(attachments, "recent");
    await attachments.sweep();
    assert.ok(await get().store.attachments.byId(view.id));
    assert.equal(filesUnder(join(dir, "uploads", "blobs")).length, 1);
  });

  it("deletes unsent uploads past the limit, rows and files", async () => {
    const attachments = service(0);
    const view = await uploadText(attachments, "forgotten");
    await new Promise((resolve) => setTimeout(resolve, 2));
    await attachments.sweep();
    assert.equal(await get().store.attachments.byId(view.id), undefined);
    assert.deepEqual(await get().store.attachments.awaitingCollection(10), []);
    assert.deepEqual(filesUnder(join(dir, "uploads", "blobs")), []);
    assert.deepEqual(errors, []);
  });

  it("finishes collecting rows a crash left marked, and stops cleanly", async () => {
    const attachments = service(60 * 60 * 1000);
    const view = await uploadText(attachments, "left behind");
    // As if the server died right after the deleting transaction committed.
    await get()
      .store.db.updateTable("attachments")
      .set({ deleted_at: Date.now() })
      .where("id", "=", view.id)
      .execute();
    attachments.start();
    await attachments.stop();
    assert.deepEqual(await get().store.attachments.awaitingCollection(10), []);
    assert.deepEqual(filesUnder(join(dir, "uploads", "blobs")), []);
  });
});
