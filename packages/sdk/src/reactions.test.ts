import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { applyReaction } from "./reactions.js";

const add = (user_id: string, emoji: string) => ({ user_id, emoji, action: "added" as const });
const remove = (user_id: string, emoji: string) => ({ user_id, emoji, action: "removed" as const });

describe("applyReaction", () => {
  it("adds a new emoji, then another person to it", () => {
    const one = applyReaction(undefined, add("a", "👍"));
    assert.deepEqual(one, [{ emoji: "👍", count: 1, user_ids: ["a"] }]);
    const two = applyReaction(one, add("b", "👍"));
    assert.deepEqual(two, [{ emoji: "👍", count: 2, user_ids: ["a", "b"] }]);
    assert.deepEqual(one, [{ emoji: "👍", count: 1, user_ids: ["a"] }], "input left unchanged");
  });

  it("removes a person, and the emoji with its last person", () => {
    const list = [
      { emoji: "👍", count: 2, user_ids: ["a", "b"] },
      { emoji: "🎉", count: 1, user_ids: ["a"] },
    ];
    assert.deepEqual(applyReaction(list, remove("a", "👍")), [
      { emoji: "👍", count: 1, user_ids: ["b"] },
      { emoji: "🎉", count: 1, user_ids: ["a"] },
    ]);
    assert.deepEqual(applyReaction(list, remove("a", "🎉")), [list[0]]);
    assert.equal(applyReaction([list[1]!], remove("a", "🎉")), undefined);
  });

  it("is idempotent: a repeated or stale change leaves the same list", () => {
    const list = [{ emoji: "👍", count: 1, user_ids: ["a"] }];
    assert.deepEqual(applyReaction(list, add("a", "👍")), list);
    assert.deepEqual(applyReaction(list, remove("b", "👍")), list);
    assert.deepEqual(applyReaction(list, remove("a", "🎉")), list);
    assert.equal(applyReaction(undefined, remove("a", "👍")), undefined);
  });
});
