import assert from "node:assert/strict";
import { randomBytes, randomUUID } from "node:crypto";
import { it } from "node:test";
import type { AttachmentRow } from "../../src/storage/attachments.js";
import { conversationRow, makeUsers, memberRow, messageRow } from "../helpers/chat-rows.js";
import { describeEachEngine } from "../helpers/databases.js";

function attachmentRow(
  conversationId: string,
  uploaderId: string,
  overrides: Partial<AttachmentRow> = {},
): AttachmentRow {
  const sha256 = overrides.sha256 ?? randomBytes(32).toString("hex");
  return {
    id: randomUUID(),
    conversation_id: conversationId,
    uploader_id: uploaderId,
    sha256,
    blob: sha256,
    thumbnail_blob: overrides.thumbnail_sha256 ?? null,
    pending: 0,
    name: "file.bin",
    size: 100,
    content_type: "application/octet-stream",
    width: null,
    height: null,
    has_thumbnail: 0,
    thumbnail_sha256: null,
    created_at: Date.now(),
    message_id: null,
    position: 0,
    deleted_at: null,
    ...overrides,
  };
}

describeEachEngine("attachment store", (get) => {
  async function setup() {
    const { store } = get();
    const [alice, bob] = (await makeUsers(store, 2)) as [string, string];
    const conversation = conversationRow();
    await store.conversations.create(conversation);
    await store.conversations.addMembers([
      memberRow(conversation.id, alice),
      memberRow(conversation.id, bob),
    ]);
    return { store, alice, bob, conversationId: conversation.id };
  }

  it("stores a row and reads it back with numbers as numbers", async () => {
    const { store, alice, conversationId } = await setup();
    const row = attachmentRow(conversationId, alice, {
      size: 5_000_000_000,
      content_type: "image/png",
      width: 640,
      height: 480,
      has_thumbnail: 1,
      thumbnail_sha256: randomBytes(32).toString("hex"),
    });
    await store.attachments.insert(row);
    assert.deepEqual(await store.attachments.byId(row.id), row);
    assert.deepEqual(await store.attachments.byIds([row.id, randomUUID()]), [row]);
    assert.deepEqual(await store.attachments.byIds([]), []);
    assert.equal(await store.attachments.byId(randomUUID()), undefined);
  });

  it("sums each uploader's live bytes for the quota", async () => {
    const { store, alice, bob, conversationId } = await setup();
    assert.equal(await store.attachments.bytesUsedBy(alice), 0);
    await store.attachments.insert(attachmentRow(conversationId, alice, { size: 300 }));
    await store.attachments.insert(attachmentRow(conversationId, alice, { size: 700 }));
    await store.attachments.insert(attachmentRow(conversationId, bob, { size: 50 }));
    await store.attachments.insert(
      attachmentRow(conversationId, alice, { size: 1000, deleted_at: Date.now() }),
    );
    assert.equal(await store.attachments.bytesUsedBy(alice), 1000);
    assert.equal(await store.attachments.bytesUsedBy(bob), 50);
  });

  it("links unsent rows to a message in order, once", async () => {
    const { store, alice, conversationId } = await setup();
    const message = messageRow(conversationId, 1, alice);
    await store.messages.insert(message);
    const rows = [attachmentRow(conversationId, alice), attachmentRow(conversationId, alice)];
    for (const row of rows) await store.attachments.insert(row);
    const ids = [rows[1]?.id ?? "", rows[0]?.id ?? ""];
    assert.equal(await store.attachments.link(ids, message.id), 2);
    // A second link finds them taken.
    const other = messageRow(conversationId, 2, alice);
    await store.messages.insert(other);
    assert.equal(await store.attachments.link(ids, other.id), 0);

    const byMessage = await store.attachments.ofMessages([message.id, other.id]);
    assert.deepEqual(
      byMessage.get(message.id)?.map((r) => [r.id, r.position]),
      [
        [ids[0], 0],
        [ids[1], 1],
      ],
    );
    assert.equal(byMessage.has(other.id), false);
    assert.deepEqual(await store.attachments.ofMessages([]), new Map());
  });

  it("marks a deleted message's rows for collection and knows which blobs are still named", async () => {
    const { store, alice, conversationId } = await setup();
    const message = messageRow(conversationId, 1, alice);
    await store.messages.insert(message);
    const thumb = randomBytes(32).toString("hex");
    const gone = attachmentRow(conversationId, alice, { thumbnail_sha256: thumb });
    const twin = attachmentRow(conversationId, alice, { sha256: gone.sha256 });
    await store.attachments.insert(gone);
    await store.attachments.insert(twin);
    await store.attachments.link([gone.id], message.id);

    assert.equal(await store.attachments.markDeletedWithMessage(message.id, 1234), 1);
    assert.equal(await store.attachments.byId(gone.id), undefined);
    assert.deepEqual((await store.attachments.ofMessages([message.id])).get(message.id), undefined);
    // Oldest deletion first; other tests' rows share this store, so look at ours.
    const waiting = await store.attachments.awaitingCollection(100);
    assert.equal(waiting[0]?.id, gone.id);
    assert.equal(waiting[0]?.deleted_at, 1234);
    assert.ok(!waiting.some((r) => r.id === twin.id));
    // A row awaiting collection still names its blobs.
    assert.equal(await store.attachments.referencesBlob(thumb), true);
    await store.attachments.remove(gone.id);
    const after = await store.attachments.awaitingCollection(100);
    assert.ok(!after.some((r) => r.id === gone.id));
    // The content is still named by the twin upload; the thumbnail by nobody else.
    assert.equal(await store.attachments.referencesBlob(gone.blob), true);
    assert.equal(await store.attachments.referencesBlob(thumb), false);
  });

  it("neither serves nor sends an upload whose bytes are not stored yet, but counts it", async () => {
    const { store, alice, conversationId } = await setup();
    const message = messageRow(conversationId, 1, alice);
    await store.messages.insert(message);
    const row = attachmentRow(conversationId, alice, { pending: 1, size: 40 });
    await store.attachments.insert(row);
    assert.equal(await store.attachments.byId(row.id), undefined);
    assert.deepEqual(await store.attachments.byIds([row.id]), []);
    assert.equal(await store.attachments.link([row.id], message.id), 0);
    assert.equal(await store.attachments.bytesUsedBy(alice), 40);
    assert.equal(await store.attachments.referencesBlob(row.blob), true);

    assert.equal(await store.attachments.markStored(row.id), true);
    assert.equal(await store.attachments.markStored(row.id), false);
    assert.equal((await store.attachments.byId(row.id))?.pending, 0);

    // Withdrawn (or expired) before it was stored: never acknowledged.
    const late = attachmentRow(conversationId, alice, { pending: 1 });
    await store.attachments.insert(late);
    await store.attachments.withdraw(late.id, 99);
    assert.equal(await store.attachments.markStored(late.id), false);
    const waiting = await store.attachments.awaitingCollection(100);
    assert.equal(waiting.find((r) => r.id === late.id)?.deleted_at, 99);
  });

  it("gives a content one live blob, and a new one once that is being deleted", async () => {
    const { store } = await setup();
    const sha = randomBytes(32).toString("hex");
    const first = await store.transaction((tx) => tx.blobs.claim(sha, `${sha}-a`, 1));
    assert.equal(first, `${sha}-a`);
    // Claimed again while live: the same blob, whatever name is offered.
    assert.equal(await store.transaction((tx) => tx.blobs.claim(sha, `${sha}-b`, 2)), first);
    assert.equal(await store.blobs.isLive(first), true);
    await store.transaction(async (tx) => {
      await tx.blobs.lock([first]);
      await tx.blobs.markDeleting(first, 3);
    });
    assert.equal(await store.blobs.isLive(first), false);
    assert.ok((await store.blobs.deleting(1000)).includes(first));
    // Being deleted: never handed out again.
    const second = await store.transaction((tx) => tx.blobs.claim(sha, `${sha}-c`, 4));
    assert.equal(second, `${sha}-c`);
    await store.blobs.remove(first);
    assert.ok(!(await store.blobs.deleting(1000)).includes(first));
    // A live blob is never forgotten by remove().
    await store.blobs.remove(second);
    assert.equal(await store.blobs.isLive(second), true);
  });

  it("goes with its conversation", async () => {
    const { store, alice, conversationId } = await setup();
    const row = attachmentRow(conversationId, alice);
    await store.attachments.insert(row);
    await store.db.deleteFrom("conversations").where("id", "=", conversationId).execute();
    assert.equal(await store.attachments.byId(row.id), undefined);
  });
});
