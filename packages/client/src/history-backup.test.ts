import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { KEY_BACKUP_CHUNK_MAX_BYTES } from "@private-chat/sdk";
import { chunkIdOf, newBackupKey } from "@private-chat/sdk/mls";
import { type KeptMessage, readKept, withConversationState } from "./encrypted-store.js";
import { BLOCK, type ChunkContent, chunksOf, planOf } from "./history-backup.js";

const key = newBackupKey();
const read = (bytes: Uint8Array) => JSON.parse(new TextDecoder().decode(bytes)) as ChunkContent;

it("puts each block of seqs in a chunk of its own, opened messages only", () => {
  const messages: Record<string, KeptMessage> = {
    "1": { text: "one", device_id: "d1" },
    "2": { refused: "sent before this device joined" },
    "3": { own_change: true },
    [String(BLOCK + 1)]: { text: "next block", device_id: "d2" },
  };
  const { chunks, leftOut } = chunksOf(key, "me", "c1", messages);
  assert.equal(leftOut, 0);
  assert.deepEqual(
    [...chunks.keys()].sort(),
    [chunkIdOf(key, ["me", "c1", "0", "0"]), chunkIdOf(key, ["me", "c1", "1", "0"])].sort(),
  );
  const first = read(chunks.get(chunkIdOf(key, ["me", "c1", "0", "0"])) as Uint8Array);
  assert.deepEqual(first, {
    v: 1,
    conversation_id: "c1",
    messages: { "1": { text: "one", device_id: "d1" } },
  });
  // Another device's chunks of the same messages have other ids: devices never overwrite each other.
  const theirs = chunksOf(key, "them", "c1", messages).chunks;
  for (const id of theirs.keys()) assert.ok(!chunks.has(id));
});

it("splits a block too large for one chunk into parts, and leaves out a message too large alone", () => {
  const big = "x".repeat(Math.floor(KEY_BACKUP_CHUNK_MAX_BYTES / 3));
  const messages: Record<string, KeptMessage> = {};
  for (let seq = 1; seq <= 5; seq++) messages[seq] = { text: `${seq}${big}`, device_id: "d" };
  messages["6"] = { text: "y".repeat(KEY_BACKUP_CHUNK_MAX_BYTES), device_id: "d" };
  const { chunks, leftOut } = chunksOf(key, "me", "c1", messages);
  assert.equal(leftOut, 1);
  assert.equal(chunks.size, 3);
  const seqs: string[] = [];
  for (const bytes of chunks.values()) {
    assert.ok(bytes.length <= KEY_BACKUP_CHUNK_MAX_BYTES);
    seqs.push(...Object.keys(read(bytes).messages));
  }
  assert.deepEqual(seqs.sort(), ["1", "2", "3", "4", "5"]);
});

it("counts a part's size exactly as it is encoded", () => {
  // Sizes around the limit: each part is as full as fits, and never over.
  const messages: Record<string, KeptMessage> = {};
  const size = Math.floor(KEY_BACKUP_CHUNK_MAX_BYTES / 7);
  for (let seq = 1; seq <= 40; seq++)
    messages[seq] = { text: `é${"z".repeat(size - (seq % 5) * 1000)}\n"`, device_id: "d" };
  const { chunks, leftOut } = chunksOf(key, "me", "c1", messages);
  assert.equal(leftOut, 0);
  const parts = [...chunks.values()];
  for (const bytes of parts) assert.ok(bytes.length <= KEY_BACKUP_CHUNK_MAX_BYTES - 64);
  // Full: no part but the last would have taken the first message of the next.
  const seqs = parts.map((bytes) => Object.keys(read(bytes).messages).map(Number));
  const total = seqs.flat().sort((a, b) => a - b);
  assert.deepEqual(
    total,
    Array.from({ length: 40 }, (_, i) => i + 1),
  );
});

describe("an upload after a change lays out the changed blocks alone", () => {
  const text = (t: string) => ({ text: t, device_id: "d" });
  /** Three blocks' worth of messages, one in block 2 too long to share a part. */
  const messages = (): Record<string, KeptMessage> => {
    const kept: Record<string, KeptMessage> = {};
    for (let seq = 1; seq < 3 * BLOCK; seq += 7) kept[seq] = text(`message ${seq}`);
    return kept;
  };
  const hashes = (chunks: Map<string, Uint8Array>) =>
    Object.fromEntries([...chunks].map(([id, bytes]) => [id, Buffer.from(bytes).toString("hex")]));

  it("makes the changed blocks' chunks exactly as a full pass does, and no others", () => {
    const kept = messages();
    const full = planOf(key, "me", "c1", { messages: kept }, {});
    assert.equal(full.chunks.size, 3);
    const seq = String(BLOCK + 3);
    kept[seq] = text("new in block 1");
    const after = planOf(key, "me", "c1", { messages: kept }, {});
    const changed = planOf(key, "me", "c1", { messages: kept, changed: new Set([seq]) }, {});
    const block1 = chunkIdOf(key, ["me", "c1", "1", "0"]);
    assert.deepEqual([...changed.chunks.keys()], [block1]);
    assert.deepEqual(hashes(changed.chunks), { [block1]: hashes(after.chunks)[block1] });
    assert.deepEqual(changed.stale, []);
    // Nothing changed: nothing laid out at all.
    const none = planOf(key, "me", "c1", { messages: kept, changed: new Set() }, {});
    assert.equal(none.chunks.size, 0);
  });

  it("removes the parts of a changed block past the last one it now makes", () => {
    const kept = messages();
    const held: Record<string, string> = {};
    for (let part = 0; part < 3; part++)
      held[chunkIdOf(key, ["me", "c1", "1", String(part)])] = "x";
    held[chunkIdOf(key, ["me", "c1", "0", "0"])] = "x";
    const plan = planOf(key, "me", "c1", { messages: kept, changed: new Set(["70"]) }, held);
    assert.deepEqual(
      plan.stale.sort(),
      [1, 2].map((part) => chunkIdOf(key, ["me", "c1", "1", String(part)])).sort(),
    );
    // A block emptied (its one message forgotten): every part of it goes.
    const emptied: Record<string, KeptMessage> = { "1": text("only") };
    const gone = planOf(key, "me", "c1", { messages: emptied, changed: new Set(["70"]) }, held);
    assert.equal(gone.chunks.size, 0);
    assert.equal(gone.stale.length, 3);
    // Not knowing what changed: every held chunk that is not made again goes.
    const whole = planOf(key, "me", "c1", { messages: emptied }, held);
    assert.deepEqual(whole.stale.length, 3);
  });
});

describe("readKept tells the seqs written since a log reference", () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "history-backup-"));
    process.env.CHAT_CLIENT_CONFIG_DIR = dir;
  });
  after(() => {
    delete process.env.CHAT_CLIENT_CONFIG_DIR;
    rmSync(dir, { recursive: true, force: true });
  });
  const keep = (change: (messages: Record<string, KeptMessage>) => void) =>
    withConversationState("u1", "c1", async (state) => {
      const next = state ?? { group: "", seq: 0, messages: {} };
      change(next.messages);
      return { state: next, result: undefined };
    });

  it("after appends, the new seqs; after a message forgotten (a new log), none known", async () => {
    await keep((m) => {
      m["1"] = { text: "one", device_id: "d" };
      m["2"] = { text: "two", device_id: "d" };
    });
    const first = await readKept("u1", "c1", undefined);
    assert.equal(first.changed, undefined, "no reference: every block");
    assert.deepEqual(Object.keys(first.messages), ["1", "2"]);
    await keep((m) => {
      m["3"] = { text: "three", device_id: "d" };
    });
    const second = await readKept("u1", "c1", first.log);
    assert.deepEqual([...(second.changed ?? [])], ["3"]);
    assert.deepEqual(Object.keys(second.messages), ["1", "2", "3"]);
    const nothing = await readKept("u1", "c1", second.log);
    assert.deepEqual([...(nothing.changed ?? ["?"])], []);
    await keep((m) => {
      delete m["2"];
    });
    const forgot = await readKept("u1", "c1", second.log);
    assert.equal(forgot.changed, undefined, "another generation: every block");
    assert.deepEqual(Object.keys(forgot.messages), ["1", "3"]);
    // A reference that is not a line's start is not trusted either.
    const log = forgot.log as { gen: number; bytes: number };
    assert.equal((await readKept("u1", "c1", { ...log, bytes: 5 })).changed, undefined);
  });
});
