import assert from "node:assert/strict";
import { it } from "node:test";
import { KEY_BACKUP_CHUNK_MAX_BYTES } from "@private-chat/sdk";
import { chunkIdOf, newBackupKey } from "@private-chat/sdk/mls";
import type { KeptMessage } from "./encrypted-store.js";
import { BLOCK, type ChunkContent, chunksOf } from "./history-backup.js";

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
