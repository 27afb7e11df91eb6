/**
 * Files stored before blobs had lives of their own (schema migration 009): the upgrade
 * adopts each as a live blob under its old name, the bare SHA-256, so it is still served,
 * shared by new uploads of the same content, and deleted once nothing refers to it.
 */
import assert from "node:assert/strict";
import { createHash, randomUUID } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { buffer } from "node:stream/consumers";
import { it } from "node:test";
import { LocalBlobStore } from "../../src/attachments/local-store.js";
import { AttachmentService } from "../../src/attachments/service.js";
import { migrateThrough } from "../../src/storage/migrate.js";
import { conversationRow, makeUsers, memberRow } from "../helpers/chat-rows.js";
import { ENGINES, openTestStore } from "../helpers/databases.js";
import { filesUnder } from "./support.js";

const sha256 = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");

for (const engine of ENGINES) {
  it(`[${engine}] migration 010 adopts the files stored before it`, async () => {
    const opened = await openTestStore(engine, false);
    const dir = mkdtempSync(join(tmpdir(), "chat-blob-migration-"));
    try {
      const { store } = opened;
      await migrateThrough(store.db, engine, "009_group_adds");
      const [userId] = (await makeUsers(store, 1)) as [string];
      const conversation = conversationRow();
      await store.conversations.create(conversation);
      await store.conversations.addMembers([memberRow(conversation.id, userId)]);

      // Files as 0.8 stored them: blobs/ab/cd/<sha256>.
      const uploads = join(dir, "uploads");
      const shared = Buffer.from("kept by two uploads");
      const thumb = Buffer.from("a thumbnail, as it were");
      for (const bytes of [shared, thumb]) {
        const hash = sha256(bytes);
        const folder = join(uploads, "blobs", hash.slice(0, 2), hash.slice(2, 4));
        mkdirSync(folder, { recursive: true });
        writeFileSync(join(folder, hash), bytes);
      }
      const old = (id: string, deletedAt: number | null, withThumb: boolean) => ({
        id,
        conversation_id: conversation.id,
        uploader_id: userId,
        sha256: sha256(shared),
        name: "old.bin",
        size: shared.length,
        content_type: "application/octet-stream",
        width: null,
        height: null,
        has_thumbnail: withThumb ? 1 : 0,
        thumbnail_sha256: withThumb ? sha256(thumb) : null,
        created_at: 1000,
        message_id: null,
        position: 0,
        deleted_at: deletedAt,
      });
      const [live, gone] = [randomUUID(), randomUUID()];
      await (store.db as any)
        .insertInto("attachments")
        .values([old(live, null, false), old(gone, 2000, true)])
        .execute();

      await store.migrate();
      const blobs = await store.db.selectFrom("blobs").selectAll().orderBy("name").execute();
      assert.deepEqual(
        blobs.map((b) => [b.name, b.sha256, b.deleting_at]),
        [sha256(shared), sha256(thumb)].sort().map((hash) => [hash, hash, null]),
      );

      const attachments = new AttachmentService({
        store,
        blobs: new LocalBlobStore(uploads),
        stagingDir: join(uploads, "tmp"),
        maxFileBytes: () => 1024,
        userQuotaBytes: 1024 * 1024,
        unsentTtlMs: 60 * 60 * 1000,
        onError: (err) => assert.fail(String(err)),
      });
      const user = await store.users.byId(userId);
      assert.ok(user);
      const download = await attachments.open(user, live, "file");
      assert.equal(download.key, sha256(shared));
      const stream = await attachments.blob(download.key);
      assert.ok(stream);
      assert.ok((await buffer(stream)).equals(shared));

      // The same content uploaded again shares the adopted blob.
      const allowance = await attachments.uploadAllowance(user, conversation.id);
      const again = await attachments.upload(user, conversation.id, allowance, {
        source: Readable.from([shared]),
        filename: "again.bin",
      });
      assert.equal((await store.attachments.byId(again.id))?.blob, sha256(shared));

      // Collection: the deleted row's thumbnail goes, the shared file stays while named.
      await attachments.collect();
      assert.deepEqual(
        filesUnder(join(uploads, "blobs")).map((f) => f.split("/").pop()),
        [sha256(shared)],
      );
      for (const id of [live, again.id]) await store.attachments.withdraw(id, Date.now());
      await attachments.collect();
      assert.deepEqual(filesUnder(join(uploads, "blobs")), []);
      assert.deepEqual(await store.db.selectFrom("blobs").selectAll().execute(), []);
    } finally {
      await opened.cleanup();
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
