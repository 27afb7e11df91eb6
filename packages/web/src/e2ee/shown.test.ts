/**
 * An encrypted conversation's threads as this browser's device works them out (run in
 * Node): a root counts the replies opened, deleted ones left out, as the server counts a
 * plain thread's; a root the device cannot read still counts its replies and stays
 * sealed; the main timeline leaves the replies to their thread; the timeline and the
 * thread's panel share one fold.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { MessageView } from "@private-chat/sdk";
import type { Opened } from "./opened.js";
import { inMainTimeline, sharedFold, shownMessages, threadOf } from "./shown.js";

function sealed(id: string, seq: number, sender: string, deleted = false): MessageView {
  return {
    id,
    conversation_id: "c1",
    seq,
    sender_id: sender,
    body: "",
    created_at: seq * 1000,
    edited_at: null,
    deleted,
    reply_to: null,
    mls: { kind: "application", epoch: 1, data: "AAAA" },
  } as unknown as MessageView;
}

describe("shownMessages with threads", () => {
  const messages = [
    sealed("root", 1, "bob"),
    sealed("r1", 2, "bob"),
    sealed("other", 3, "alice"),
    sealed("r2", 4, "alice"),
    sealed("r3", 5, "bob", true),
  ];
  const read: Record<string, Opened> = {
    root: { text: "the root" },
    r1: { text: "first reply", thread_root: "root" },
    other: { text: "not in it" },
    r2: { text: "second reply", thread_root: "root", reply_to: "r1" },
    r3: { text: "deleted reply", thread_root: "root" },
  };

  it("counts the replies opened on the root, leaving out deleted ones", () => {
    const shown = shownMessages(messages, read);
    const root = shown.find((m) => m.id === "root");
    assert.deepEqual(root?.thread, {
      reply_count: 2,
      last_reply_at: 4000,
      participant_ids: ["alice", "bob"],
    });
    assert.equal(shown.find((m) => m.id === "other")?.thread, undefined);
    const { replies } = threadOf(shown, "root");
    assert.deepEqual(
      replies.map((m) => [m.body, m.thread_id, m.reply_to]),
      [
        ["first reply", "root", null],
        ["second reply", "root", "r1"],
        ["deleted reply", "root", null],
      ],
    );
    assert.equal(
      replies.some((m) => m.mls !== undefined),
      false,
      "no ciphertext left",
    );
  });

  it("leaves the replies out of the main timeline", () => {
    const main = shownMessages(messages, read).filter(inMainTimeline);
    assert.deepEqual(
      main.map((m) => m.id),
      ["root", "other"],
    );
  });

  it("counts on a root the device cannot read, which stays sealed", () => {
    const shown = shownMessages(messages, {
      ...read,
      root: { unreadable: "sent before this browser joined" },
    });
    const root = shown.find((m) => m.id === "root");
    assert.equal(root?.thread?.reply_count, 2);
    assert.ok(root?.mls, "shown as sealed, never as its ciphertext's words");
  });

  it("folds the same messages and openings once, for the timeline and the thread's panel", () => {
    const first = sharedFold(messages, read);
    assert.equal(sharedFold(messages, read), first, "the same fold, not a new one");
    assert.deepEqual(first, shownMessages(messages, read));
    const more = { ...read, r3: { text: "opened since" } };
    assert.notEqual(sharedFold(messages, more), first, "folded again with more opened");
  });
});
