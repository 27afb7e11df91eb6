import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { OpenedContent } from "@private-chat/protocol/encrypted-content";
import type { KeptMessages } from "./chat-state.js";
import { changesOf, keptOf, threadSeqs } from "./content.js";

const kept = (entries: [number, OpenedContent][]): KeptMessages =>
  Object.fromEntries(
    entries.map(([seq, content]) => [seq, keptOf(content, { userId: "u", deviceId: "d" })]),
  );

describe("finding messages in a device's log by what they point at", () => {
  const log: KeptMessages = {
    ...kept([
      [3, { kind: "text", body: "root" }],
      [4, { kind: "text", body: "elsewhere" }],
      [5, { kind: "text", body: "r1", thread_root: 3 }],
      [6, { kind: "reaction", target: 4, emoji: "👍", action: "added" }],
      [7, { kind: "text", body: "r2", thread_root: 3 }],
      [8, { kind: "edit", target: 7, body: "r2 again" }],
      [9, { kind: "reaction", target: 3, emoji: "🎉", action: "added" }],
      [12, { kind: "text", body: "r3", thread_root: 3, reply_to: 5 }],
      [13, { kind: "reaction", target: 5, emoji: "👀", action: "added" }],
    ]),
    10: { refused: "sent before this device joined" },
    11: { own_change: true },
  };

  it("the changes of a message: its edits and reactions, not replies to it", () => {
    assert.deepEqual(changesOf(log, new Set([3])), [9]);
    assert.deepEqual(changesOf(log, new Set([4, 7])), [6, 8]);
    assert.deepEqual(changesOf(log, new Set([99])), []);
  });

  it("a thread: its root, its newest replies and their changes, in order", () => {
    assert.deepEqual(threadSeqs(log, 3, 10), [3, 5, 7, 8, 9, 12, 13]);
    // The two newest replies: the first one's reaction stays out with it.
    assert.deepEqual(threadSeqs(log, 3, 2), [3, 7, 8, 9, 12]);
    assert.deepEqual(threadSeqs(log, 4, 10), [4, 6]);
  });
});
