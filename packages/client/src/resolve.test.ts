/**
 * Naming conversations (resolve.ts): shortId, directPeer and conversationName, and
 * resolveConversation by full id, id prefix, group title and (@)username; case and
 * whitespace rules, "@" meaning direct chats only, exact-case tie-breaking, and the
 * `ambiguous`, `not_found` and `usage` errors.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ConversationView } from "@private-chat/sdk";
import { CliError } from "./errors.js";
import { conversationName, directPeer, resolveConversation, shortId } from "./resolve.js";

const ME = "u-me";

function member(id: string, username: string): ConversationView["members"][number] {
  const user = {
    id,
    username,
    display_name: username,
    is_admin: false,
    is_bot: false,
    created_at: 0,
  };
  return { user, role: "member", joined_at: 0, read_seq: 0, online: false, last_seen_at: null };
}

function conversation(
  id: string,
  type: ConversationView["type"],
  title: string | null,
  usernames: string[],
): ConversationView {
  const members = usernames.map((name) => member(name === "me" ? ME : `u-${name}`, name));
  return {
    id,
    type,
    title,
    created_at: 0,
    last_seq: 0,
    last_activity_at: 0,
    members,
    last_message: null,
    unread_count: 0,
    role: "member",
  };
}

const bob = conversation("7b08a10d-0000-4000-8000-000000000001", "direct", null, ["me", "Bob"]);
const self = conversation("3c1f0e2a-0000-4000-8000-000000000002", "direct", null, ["me"]);
const team = conversation("4e99978d-0000-4000-8000-000000000003", "group", "Team", ["me", "ann"]);
const untitled = conversation("4e9a0000-0000-4000-8000-000000000004", "group", null, [
  "me",
  "ann",
  "cid",
]);
const ALL = [bob, self, team, untitled];

function assertError(list: ConversationView[], query: string, code: string, text: string): void {
  assert.throws(
    () => resolveConversation(list, query, ME),
    (err: unknown) => {
      assert.ok(err instanceof CliError);
      assert.equal(err.code, code);
      assert.ok(err.message.includes(text), `"${err.message}" lacks "${text}"`);
      return true;
    },
  );
}

describe("shortId, directPeer and conversationName", () => {
  it("shortens ids to 8 characters", () => {
    assert.equal(shortId(bob.id), "7b08a10d");
    assert.equal(shortId("abc"), "abc");
  });

  it("finds the other member, or ourselves in a chat with ourselves", () => {
    assert.equal(directPeer(bob, ME), "Bob");
    assert.equal(directPeer(self, ME), "me");
    assert.equal(directPeer(conversation("x", "direct", null, []), ME), undefined);
  });

  it("names direct chats by @peer and groups by title or members", () => {
    assert.equal(conversationName(bob, ME), "@Bob");
    assert.equal(conversationName(self, ME), "@me");
    assert.equal(conversationName(conversation("x", "direct", null, []), ME), "@?");
    assert.equal(conversationName(team, ME), "Team");
    assert.equal(conversationName(untitled, ME), "ann, cid");
    assert.equal(conversationName(conversation("x", "group", "", ["me"]), ME), "(untitled group)");
  });
});

describe("resolveConversation", () => {
  it("finds by full id and by id prefix, ignoring case", () => {
    for (const c of ALL) assert.equal(resolveConversation(ALL, c.id, ME), c);
    assert.equal(resolveConversation(ALL, "7b08", ME), bob);
    assert.equal(resolveConversation(ALL, "7B08A10D", ME), bob);
    assert.equal(resolveConversation(ALL, "4e999", ME), team);
  });

  it("finds a group by its whole title, ignoring case and surrounding spaces", () => {
    assert.equal(resolveConversation(ALL, "Team", ME), team);
    assert.equal(resolveConversation(ALL, "  tEAM ", ME), team);
    assertError(ALL, "Tea", "not_found", 'no conversation matches "Tea"');
  });

  it("finds a direct chat by username, with or without @", () => {
    for (const query of ["Bob", "bob", "@Bob", "@BOB", " @bob\t"]) {
      assert.equal(resolveConversation(ALL, query, ME), bob, query);
    }
    assert.equal(resolveConversation(ALL, "me", ME), self);
    assert.equal(resolveConversation(ALL, "@me", ME), self);
  });

  it("matches only direct chats for @name", () => {
    const at = conversation("aaaa0000-0000-4000-8000-000000000005", "group", "@ops", ["me"]);
    assertError([at], "@ops", "not_found", '"@ops"');
    assert.equal(resolveConversation([at], "aaaa", ME), at);
  });

  it("rejects an empty name", () => {
    assertError(ALL, "   ", "usage", "empty");
  });

  it("reports no match", () => {
    assertError(ALL, "carol", "not_found", "run chat-client conversations");
    assertError(ALL, "@Team", "not_found", '"@Team"');
    assertError(ALL, "ann", "not_found", '"ann"'); // a group member is not a direct peer
  });

  it("refuses to guess between several matches, listing them", () => {
    const other = conversation("4e99978d-1111-4000-8000-000000000006", "group", "Team", ["me"]);
    const list = [...ALL, other];
    assertError(list, "team", "ambiguous", '"team" matches 2 conversations');
    assertError(list, "4e99978d", "ambiguous", '4e99978d (group "Team"), 4e99978d (group "Team")');
    assertError(list, "4e9", "ambiguous", "matches 3 conversations");
    assertError(list, "4e9", "ambiguous", '4e9a0000 (group "ann, cid")');
  });

  it("prefers the one spelled with exactly the given case", () => {
    const lower = conversation("5d000000-0000-4000-8000-000000000007", "group", "team", ["me"]);
    const list = [...ALL, lower];
    assert.equal(resolveConversation(list, "Team", ME), team);
    assert.equal(resolveConversation(list, "team", ME), lower);
    assertError(list, "TEAM", "ambiguous", "matches 2 conversations");
    const bobGroup = conversation("6f000000-0000-4000-8000-000000000008", "group", "bob", ["me"]);
    assert.equal(resolveConversation([bob, bobGroup], "bob", ME), bobGroup);
    assert.equal(resolveConversation([bob, bobGroup], "Bob", ME), bob);
  });

  it("ignores a group member's username when breaking a tie on letter case", () => {
    const a = conversation("a1000000-0000-4000-8000-00000000000a", "group", "Ops", ["me", "ops"]);
    const b = conversation("b2000000-0000-4000-8000-00000000000b", "group", "OPS", ["me"]);
    assertError([a, b], "ops", "ambiguous", '"ops" matches 2 conversations');
  });

  it("cleans the query and names in error messages", () => {
    const evil = conversation("e0000000-0000-4000-8000-000000000009", "group", "x\u001b[2Jy", []);
    assertError([evil, { ...evil }], "X\u001b[2JY", "ambiguous", '"XY" matches');
    assertError([evil, { ...evil }], "X\u001b[2JY", "ambiguous", 'e0000000 (group "xy")');
  });

  it("names the plain direct chat by @name beside an encrypted one, unless asked for that one", () => {
    const locked = { ...bob, id: "7b08a10d-0000-4000-8000-00000000000e", encrypted: true as const };
    assert.equal(resolveConversation([bob, locked], "@bob", ME).id, bob.id);
    assert.equal(resolveConversation([bob, locked], "@bob", ME, true).id, locked.id);
    assert.equal(resolveConversation([locked], "@bob", ME).id, locked.id);
    assert.throws(() => resolveConversation([bob], "@bob", ME, true), /no conversation matches/);
  });
});
