/**
 * The rule that keeps uploads and deletes of the same bytes apart, step by step: each
 * interleaving the REST race (blob-race.test.ts) may or may not hit is forced here by a
 * blob store that holds a write or a delete until the test lets it go, on both engines.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { buffer } from "node:stream/consumers";
import { after, before, it } from "node:test";
import type { BlobStore, ByteRange, StoredBlob } from "../../src/attachments/blob-store.js";
import { LocalBlobStore } from "../../src/attachments/local-store.js";
import { AttachmentService } from "../../src/attachments/service.js";
import type { User } from "../../src/storage/users.js";
import { conversationRow, makeUsers, memberRow } from "../helpers/chat-rows.js";
import { describeEachEngine } from "../helpers/databases.js";
import { filesUnder } from "./support.js";

/** One held call: `arrived` once it is made, and it goes on when `release()` is called. */
class Hold {
  private arrive!: () => void;
  readonly arrived = new Promise<void>((resolve) => {
    this.arrive = resolve;
  });
  private go!: () => void;
  private readonly released = new Promise<void>((resolve) => {
    this.go = resolve;
  });
  release(): void {
    this.go();
  }
  async pass(): Promise<void> {
    this.arrive();
    await this.released;
  }
}

/** A local store whose next put or delete can be held, or made to fail. */
class SteeredStore implements BlobStore {
  holdPut: Hold | undefined;
  holdDelete: Hold | undefined;
  failPut: Error | undefined;
  failDelete: Error | undefined;
  readonly deleted: string[] = [];

  constructor(private readonly inner: LocalBlobStore) {}

  async put(name: string, source: Readable): Promise<StoredBlob> {
    const fail = this.failPut;
    this.failPut = undefined;
    if (fail) {
      source.destroy();
      throw fail;
    }
    const hold = this.holdPut;
    this.holdPut = undefined;
    await hold?.pass();
    return this.inner.put(name, source);
  }
  get(name: string, range?: ByteRange) {
    return this.inner.get(name, range);
  }
  size(name: string) {
    return this.inner.size(name);
  }
  exists(name: string) {
    return this.inner.exists(name);
  }
  async delete(name: string): Promise<void> {
    const fail = this.failDelete;
    this.failDelete = undefined;
    if (fail) throw fail;
    const hold = this.holdDelete;
    this.holdDelete = undefined;
    await hold?.pass();
    this.deleted.push(name);
    await this.inner.delete(name);
  }
}

describeEachEngine("blob lives: uploads and deletes of the same bytes", (get) => {
  let dir: string;
  let user: User;
  let conversationId: string;
  let blobs: SteeredStore;
  const errors: unknown[] = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "chat-lives-"));
    blobs = new SteeredStore(new LocalBlobStore(join(dir, "uploads")));
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

  function service(unsentTtlMs = 60 * 60 * 1000): AttachmentService {
    return new AttachmentService({
      store: get().store,
      blobs,
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

  async function read(attachments: AttachmentService, id: string): Promise<string> {
    const download = await attachments.open(user, id, "file");
    const stream = await attachments.blob(download.key);
    assert.ok(stream, `the bytes of ${id} are gone`);
    return (await buffer(stream)).toString();
  }

  /** Deletes as a deleted message does: the row awaits collection. */
  const drop = (id: string) => get().store.attachments.withdraw(id, Date.now());
  const stored = () => filesUnder(join(dir, "uploads", "blobs"));

  it("keeps an upload whose bytes are being written while the blob's last other reference is collected", async () => {
    const attachments = service();
    const first = await uploadText(attachments, "same bytes, first");
    await drop(first.id);
    blobs.holdPut = new Hold();
    const hold = blobs.holdPut;
    const second = uploadText(attachments, "same bytes, first");
    await hold.arrived;
    // The reference is recorded: collection removes the first row and keeps the blob.
    await attachments.collect();
    assert.deepEqual(blobs.deleted, []);
    hold.release();
    const view = await second;
    assert.equal(await read(attachments, view.id), "same bytes, first");
    assert.equal(stored().length, 1);
    await drop(view.id);
    await attachments.collect();
    assert.deepEqual(stored(), []);
    assert.deepEqual(errors, []);
  });

  it("gives the same bytes a blob of their own while the old one is being deleted", async () => {
    const attachments = service();
    const first = await uploadText(attachments, "same bytes, second");
    const before = await get().store.attachments.byId(first.id);
    assert.ok(before);
    await drop(first.id);
    blobs.holdDelete = new Hold();
    const hold = blobs.holdDelete;
    const collecting = attachments.collect();
    await hold.arrived;
    // The old blob is marked deleting and its delete is on its way: a new upload of the
    // same content must not land under the name that delete will remove.
    const view = await uploadText(attachments, "same bytes, second");
    const row = await get().store.attachments.byId(view.id);
    assert.ok(row);
    assert.notEqual(row.blob, before.blob);
    assert.equal(row.sha256, before.sha256);
    hold.release();
    await collecting;
    assert.deepEqual(blobs.deleted.slice(-1), [before.blob]);
    assert.equal(await read(attachments, view.id), "same bytes, second");
    assert.equal(stored().length, 1);
    await drop(view.id);
    await attachments.collect();
    assert.deepEqual(stored(), []);
    assert.deepEqual(errors, []);
  });

  it("finishes a deletion a failure interrupted at the next sweep", async () => {
    const attachments = service();
    const view = await uploadText(attachments, "interrupted");
    await drop(view.id);
    blobs.failDelete = Object.assign(new Error("connection reset"), { code: "ECONNRESET" });
    await attachments.collect();
    assert.equal(errors.length, 1);
    errors.length = 0;
    // The row is gone and the deletion recorded: no upload may refer to that blob again.
    assert.equal(stored().length, 1);
    assert.equal((await get().store.blobs.deleting(10)).length, 1);
    await attachments.sweep();
    assert.deepEqual(stored(), []);
    assert.deepEqual(await get().store.blobs.deleting(10), []);
    assert.deepEqual(errors, []);
  });

  it("does not acknowledge an upload whose row expired while its bytes were written, and keeps none of them", async () => {
    const attachments = service();
    blobs.holdPut = new Hold();
    const hold = blobs.holdPut;
    const late = uploadText(attachments, "too slow");
    await hold.arrived;
    await new Promise((resolve) => setTimeout(resolve, 2));
    // Another node's sweep, with no patience at all, expires and collects it meanwhile.
    await service(0).sweep();
    hold.release();
    await assert.rejects(late, /expired before its bytes were stored/);
    assert.deepEqual(stored(), []);
    assert.equal(await get().store.attachments.bytesUsedBy(user.id), 0);
    assert.deepEqual(errors, []);
  });

  it("withdraws an upload whose write failed: no row, no bytes, no quota used", async () => {
    const attachments = service();
    blobs.failPut = Object.assign(new Error("no space left on device"), {
      code: "ENOSPC",
      syscall: "write",
    });
    await assert.rejects(uploadText(attachments, "no room"), /no space left/);
    assert.deepEqual(stored(), []);
    assert.equal(await get().store.attachments.bytesUsedBy(user.id), 0);
    assert.deepEqual(await get().store.attachments.awaitingCollection(10), []);
    assert.deepEqual(await get().store.blobs.deleting(10), []);
    assert.deepEqual(errors, []);
  });
});
