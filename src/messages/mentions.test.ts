import assert from "node:assert/strict";
import { it } from "node:test";
import { findMentions } from "./mentions.js";

it("finds @usernames once each, ignoring e-mail addresses and trailing punctuation", () => {
  assert.deepEqual(findMentions("hi @Alice and @bob_2, see @alice."), ["alice", "bob_2"]);
  assert.deepEqual(findMentions("mail me at carol@example.com"), []);
  assert.deepEqual(findMentions("@al is too short, @dave.smith fits"), ["dave.smith"]);
  assert.deepEqual(findMentions("@eve!"), ["eve"]);
});
