/**
 * The local copy's pure parts, run in Node: what is kept (bounded), how it decodes back
 * (per item, per user), how it is shown and then replaced by the server's list, and how
 * a kept timeline meets the server's newest page.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ConversationView, MessageView, UserView } from "@private-chat/sdk";
import { type ChatState, emptyState } from "./chat.js";
import { reachOf, unavailableReason } from "./connectivity.js";
import {
  confirmList,
  decodeCopy,
  MAX_CONVERSATIONS,
  MAX_MESSAGES,
  MAX_TIMELINES,
  refreshTimeline,
  restoreCopy,
  snapshotOf,
  touchRecent,
} from "./local-copy.js";

const user = (id: string): UserView => ({
  id,
  username: id,
  display_name: id.toUpperCase(),
  is_admin: false,
  is_bot: false,
  created_at: 1,
});
const me = user("me");

function message(cid: string, seq: number): MessageView {
  return {
    id: `${cid}-m${seq}`,
    conversation_id: cid,
    seq,
    sender_id: "me",
    body: `message ${seq}`,
    client_id: null,
    created_at: 1000 + seq,
  };
}

function conv(id: string, activity: number): ConversationView {
  return {
    id,
    type: "direct",
    title: null,
    created_at: 1,
    last_seq: 0,
    last_activity_at: activity,
    members: [
      { user: me, role: "member", joined_at: 1, read_seq: 0, online: false, last_seen_at: null },
    ],
    last_message: null,
    unread_count: 0,
    role: "member",
  };
}

function loadedState(convs: ConversationView[], timelines: Record<string, MessageView[]>) {
  const state: ChatState = { ...emptyState(me), loaded: true };
  for (const c of convs) state.convs[c.id] = c;
  for (const [id, messages] of Object.entries(timelines))
    state.timelines[id] = { messages, hasOlder: false, loading: false, error: null };
  return state;
}

/** A copy as it comes back from IndexedDB: a structured clone, so plain data. */
const roundTrip = <T>(value: T): unknown => JSON.parse(JSON.stringify(value));

describe("the local copy", () => {
  it("keeps nothing before the server's list arrived", () => {
    assert.equal(snapshotOf(emptyState(me), []), undefined);
    assert.equal(snapshotOf({ ...emptyState(), loaded: true }, []), undefined);
  });

  it("keeps the newest conversations and the last messages of recently opened ones", () => {
    const convs = Array.from({ length: MAX_CONVERSATIONS + 5 }, (_, i) => conv(`c${i}`, i));
    const long = Array.from({ length: MAX_MESSAGES + 10 }, (_, i) => message("c204", i + 1));
    const state = loadedState(convs, { c204: long, c1: [message("c1", 1)], c3: [] });
    const copy = snapshotOf(state, ["c204", "c3", "c1"], 42);
    assert.ok(copy);
    assert.equal(copy.user_id, "me");
    assert.equal(copy.conversations.length, MAX_CONVERSATIONS);
    assert.equal(copy.conversations[0]?.id, "c204", "most recent activity first");
    // c1 has too little activity to be kept, c3 holds no messages.
    assert.deepEqual(
      copy.timelines.map((t) => t.id),
      ["c204"],
    );
    assert.equal(copy.timelines[0]?.messages.length, MAX_MESSAGES);
    assert.equal(copy.timelines[0]?.messages.at(-1)?.seq, MAX_MESSAGES + 10, "the newest kept");
    assert.equal(copy.timelines[0]?.has_older, true, "older ones were cut off");
  });

  it("remembers at most MAX_TIMELINES recently opened conversations, newest first", () => {
    let recent: string[] = [];
    for (let i = 0; i < MAX_TIMELINES + 3; i++) recent = touchRecent(recent, `c${i}`);
    recent = touchRecent(recent, "c5");
    assert.equal(recent.length, MAX_TIMELINES);
    assert.equal(recent[0], "c5");
    assert.equal(recent.filter((id) => id === "c5").length, 1);
  });

  it("decodes only the signed-in user's copy, dropping items that no longer decode", () => {
    const state = loadedState([conv("a", 2), conv("b", 1)], {
      a: [message("a", 1), message("a", 2)],
    });
    const raw = roundTrip(snapshotOf(state, ["a"])) as {
      conversations: unknown[];
      timelines: { messages: unknown[] }[];
    };
    assert.equal(decodeCopy(raw, "someone-else"), undefined);
    assert.equal(decodeCopy({ version: 99 }, "me"), undefined);
    assert.equal(decodeCopy(undefined, "me"), undefined);

    raw.conversations.push({ id: "broken" });
    raw.timelines[0]?.messages.push({ seq: "not a number" });
    const copy = decodeCopy(raw, "me");
    assert.ok(copy);
    assert.deepEqual(
      copy.conversations.map((c) => c.id),
      ["a", "b"],
    );
    assert.deepEqual(
      copy.timelines[0]?.messages.map((m) => m.seq),
      [1, 2],
    );
  });

  it("shows a copy only in an unloaded state of the same user, with stale timelines", () => {
    const copy = decodeCopy(
      roundTrip(snapshotOf(loadedState([conv("a", 1)], { a: [message("a", 1)] }), ["a"])),
      "me",
    );
    assert.ok(copy);
    const shown = restoreCopy(emptyState(me), copy);
    assert.equal(shown.restored, true);
    assert.equal(shown.loaded, false);
    assert.ok(shown.convs.a);
    assert.equal(shown.timelines.a?.stale, true);
    const loaded = { ...emptyState(me), loaded: true };
    assert.equal(restoreCopy(loaded, copy), loaded, "the server's list wins");
    const other = emptyState(user("other"));
    assert.equal(restoreCopy(other, copy), other, "never another user's");
  });

  it("drops kept conversations the server no longer lists", () => {
    const copy = decodeCopy(
      roundTrip(
        snapshotOf(loadedState([conv("a", 2), conv("gone", 1)], { gone: [message("gone", 1)] }), [
          "gone",
        ]),
      ),
      "me",
    );
    assert.ok(copy);
    const confirmed = confirmList(restoreCopy(emptyState(me), copy), new Set(["a"]));
    assert.deepEqual(Object.keys(confirmed.convs), ["a"]);
    assert.deepEqual(Object.keys(confirmed.timelines), []);
    assert.equal(confirmed.restored, false);
  });
});

describe("a kept timeline meets the newest page", () => {
  const seqs = (list: MessageView[]) => list.map((m) => m.seq);
  const range = (from: number, to: number) =>
    Array.from({ length: to - from + 1 }, (_, i) => message("a", from + i));

  it("merges when the page reaches back to the kept messages", () => {
    const out = refreshTimeline(range(1, 5), false, range(4, 8), 50);
    assert.deepEqual(seqs(out.messages), [1, 2, 3, 4, 5, 6, 7, 8]);
    assert.equal(out.hasOlder, false, "a short page is the whole conversation");
  });

  it("replaces when messages in between are missing", () => {
    const out = refreshTimeline(range(1, 5), false, range(10, 12), 3);
    assert.deepEqual(seqs(out.messages), [10, 11, 12]);
    assert.equal(out.hasOlder, true);
  });

  it("keeps the kept messages' hasOlder when a full page overlaps them", () => {
    const out = refreshTimeline(range(5, 9), true, range(7, 9), 3);
    assert.deepEqual(seqs(out.messages), [5, 6, 7, 8, 9]);
    assert.equal(out.hasOlder, true);
  });

  it("prefers the server's version of a message", () => {
    const edited = { ...message("a", 2), body: "edited" };
    const out = refreshTimeline(range(1, 2), false, [message("a", 1), edited], 50);
    assert.equal(out.messages[1]?.body, "edited");
  });
});

describe("reaching the server", () => {
  it("tells offline from unreachable, and says why actions are off", () => {
    assert.equal(reachOf(false, false), "offline");
    assert.equal(reachOf(true, false), "offline");
    assert.equal(reachOf(true, true), "unreachable");
    assert.equal(reachOf(false, true), "online");
    assert.equal(unavailableReason("online"), null);
    assert.match(unavailableReason("offline") ?? "", /offline/);
  });
});
