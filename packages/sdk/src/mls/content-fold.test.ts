import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { MessageView } from "@private-chat/protocol/chat";
import type { OpenedContent } from "@private-chat/protocol/encrypted-content";
import type { KeptMessage } from "./chat-state.js";
import { keptOf } from "./content.js";
import { foldMessages } from "./content-fold.js";
import type { ReadMessage } from "./encrypted-chat.js";

const message = (seq: number, sender: string, extra: Partial<MessageView> = {}): MessageView => ({
  id: `m${seq}`,
  conversation_id: "c",
  seq,
  sender_id: sender,
  body: "ciphertext",
  client_id: null,
  created_at: seq * 1000,
  mls: { kind: "application", epoch: 1 },
  ...extra,
});

/** A message opened from `user`'s device. */
const read = (seq: number, user: string, content: OpenedContent): ReadMessage => ({
  message: message(seq, user),
  kept: keptOf(content, { userId: user, deviceId: `${user}-laptop` }),
});

describe("folding an encrypted conversation's messages", () => {
  it("applies the sender's latest edit and ignores another member's", () => {
    const shown = foldMessages([
      read(1, "alice", { kind: "text", body: "helo" }),
      read(2, "alice", { kind: "edit", target: 1, body: "hello" }),
      read(3, "bob", { kind: "edit", target: 1, body: "bob was here" }),
      read(4, "alice", { kind: "edit", target: 1, body: "hello!" }),
      read(5, "bob", { kind: "text", body: "hi" }),
      read(6, "alice", { kind: "edit", target: 5, body: "alice was here" }),
    ]);
    assert.deepEqual(
      shown.map((s) => [s.message.seq, s.shown.kind === "text" && s.shown.body]),
      [
        [1, "hello!"],
        [5, "hi"],
      ],
    );
    assert.equal(shown[0]?.shown.kind === "text" && shown[0].shown.edited_at, 4000);
    assert.equal(shown[1]?.shown.kind === "text" && shown[1].shown.edited_at, undefined);
  });

  it("counts reactions per emoji with who reacted, a person's removal undoing theirs", () => {
    const [first] = foldMessages([
      read(1, "alice", { kind: "text", body: "lunch?" }),
      read(2, "bob", { kind: "reaction", target: 1, emoji: "👍", action: "added" }),
      read(3, "carol", { kind: "reaction", target: 1, emoji: "👍", action: "added" }),
      read(4, "carol", { kind: "reaction", target: 1, emoji: "🎉", action: "added" }),
      // Only carol's own message takes back carol's reaction.
      read(5, "bob", { kind: "reaction", target: 1, emoji: "🎉", action: "removed" }),
      read(6, "bob", { kind: "reaction", target: 1, emoji: "👍", action: "removed" }),
    ]);
    assert.deepEqual(first?.shown.kind === "text" && first.shown.reactions, [
      { emoji: "👍", count: 1, user_ids: ["carol"] },
      { emoji: "🎉", count: 1, user_ids: ["carol"] },
    ]);
  });

  it("keeps replies' references and sums up a thread under its root", () => {
    const shown = foldMessages([
      read(1, "alice", { kind: "text", body: "root" }),
      read(2, "bob", { kind: "text", body: "in thread", thread_root: 1 }),
      read(3, "carol", { kind: "text", body: "answer", reply_to: 2 }),
      read(4, "carol", { kind: "text", body: "also in thread", thread_root: 1 }),
    ]);
    const root = shown[0]?.shown;
    assert.deepEqual(root?.kind === "text" && root.thread, {
      reply_count: 2,
      last_reply_at: 4000,
      participant_ids: ["carol", "bob"],
    });
    assert.equal(shown[1]?.shown.kind === "text" && shown[1].shown.thread_root, 1);
    assert.equal(shown[2]?.shown.kind === "text" && shown[2].shown.reply_to, 2);
  });

  it("drops a deleted message's edits and reactions, and those of a target not read", () => {
    const shown = foldMessages([
      { message: message(1, "alice", { deleted: true }), kept: undefined },
      read(2, "alice", { kind: "edit", target: 1, body: "changed" }),
      read(3, "bob", { kind: "reaction", target: 1, emoji: "👍", action: "added" }),
      read(4, "bob", { kind: "reaction", target: 99, emoji: "👍", action: "added" }),
    ]);
    assert.deepEqual(
      shown.map((s) => s.shown),
      [{ kind: "deleted" }],
    );
  });

  it("shows old raw text, unknown kinds and unopened messages for what they are", () => {
    const legacy: KeptMessage = { text: "from before", device_id: "d" };
    const shown = foldMessages([
      { message: message(1, "alice"), kept: legacy },
      read(2, "bob", { kind: "unknown", type: "poll" }),
      { message: message(3, "bob"), kept: { refused: "undecryptable" } },
      { message: message(4, "bob"), kept: undefined },
      // A kept copy is read again with the schema (a key backup is data).
      { message: message(5, "bob"), kept: { ...legacy, content: { kind: "edit" } as never } },
    ]);
    assert.deepEqual(
      shown.map((s) => s.shown),
      [
        { kind: "text", body: "from before", reactions: [] },
        { kind: "unknown", type: "poll" },
        { kind: "unread", reason: "undecryptable" },
        { kind: "unread", reason: undefined },
        { kind: "unknown", type: "edit" },
      ],
    );
    assert.equal(shown[0]?.sender_id, "alice");
  });
});
