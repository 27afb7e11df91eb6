/**
 * The web app's chat state for message requests and blocks: the pure transitions, run in
 * Node (no browser needed for them).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { BlockView, ConversationView, MessageView, StoredEvent } from "@private-chat/sdk";
import { emptyState } from "./chat.js";
import { applyEvent, dropBlock, mergeConversations, putBlock, upsertMessage } from "./reduce.js";

const user = (id: string) => ({ id, username: id, display_name: id.toUpperCase() }) as never;
const me = user("me");

function created(request: boolean, createdBy: string, type: "direct" | "group" = "direct") {
  return {
    type: "conversation.created",
    conversation_id: "c1",
    cursor: 1,
    created_by: createdBy,
    conversation: {
      id: "c1",
      type,
      title: null,
      created_at: 1,
      members: [
        { user: me, role: "member" },
        { user: user("eve"), role: "member" },
      ],
      ...(request ? { request: true } : {}),
    },
  } as StoredEvent;
}

const accepted = {
  type: "request.accepted",
  conversation_id: "c1",
  cursor: 2,
  user_id: "me",
} as StoredEvent;

const message = (seq: number, sender_id: string): MessageView =>
  ({
    id: `m${seq}`,
    conversation_id: "c1",
    seq,
    sender_id,
    body: `#${seq}`,
    created_at: seq,
  }) as MessageView;

describe("web state: message requests", () => {
  it("a request created by someone else is pending, one I created is sent", () => {
    const theirs = applyEvent(emptyState(me), created(true, "eve"));
    assert.equal(theirs.convs.c1?.request, "pending");
    const mine = applyEvent(emptyState(me), created(true, "me"));
    assert.equal(mine.convs.c1?.request, "sent");
    const plain = applyEvent(emptyState(me), created(false, "eve"));
    assert.equal(plain.convs.c1?.request, undefined);
    assert.ok(!("request" in (plain.convs.c1 ?? {})), "no stray request flag");
  });

  it("request.accepted clears the request, and again changes nothing", () => {
    const sent = applyEvent(emptyState(me), created(true, "me"));
    const once = applyEvent(sent, accepted);
    assert.equal(once.convs.c1?.request, undefined);
    assert.equal(applyEvent(once, accepted), once, "idempotent");
  });

  it("a fresh view without request replaces a declined one (accepted from elsewhere)", () => {
    const state = applyEvent(emptyState(me), created(true, "eve"));
    const declined = mergeConversations(state, [
      { ...state.convs.c1, request: "declined" } as ConversationView,
    ]);
    assert.equal(declined.convs.c1?.request, "declined");
    const { request: _r, ...fresh } = declined.convs.c1 as ConversationView;
    assert.equal(mergeConversations(declined, [fresh]).convs.c1?.request, undefined);
  });
});

describe("web state: blocks", () => {
  const block = { user: user("eve"), created_at: 5 } as BlockView;

  it("keeps the block list by user id; removing twice is harmless", () => {
    const blocked = putBlock(emptyState(me), block);
    assert.deepEqual(Object.keys(blocked.blocked), ["eve"]);
    const unblocked = dropBlock(blocked, "eve");
    assert.deepEqual(unblocked.blocked, {});
    assert.equal(dropBlock(unblocked, "eve"), unblocked);
  });

  it("a blocked person's group message counts as nothing unread; in a direct chat it counts", () => {
    const group = putBlock(applyEvent(emptyState(me), created(false, "eve", "group")), block);
    const afterGroup = upsertMessage(group, message(1, "eve"));
    assert.equal(afterGroup.convs.c1?.unread_count, 0);
    assert.equal(afterGroup.convs.c1?.last_seq, 1, "the seq still moves: no gap");
    const direct = putBlock(applyEvent(emptyState(me), created(false, "eve")), block);
    assert.equal(upsertMessage(direct, message(1, "eve")).convs.c1?.unread_count, 1);
  });
});
