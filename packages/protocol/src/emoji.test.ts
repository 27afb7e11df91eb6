import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isReactionEmoji } from "./emoji.js";

describe("isReactionEmoji", () => {
  it("accepts one emoji of every kind", () => {
    for (const emoji of [
      "👍",
      "❤",
      "❤️",
      "👍🏽",
      "👩‍👩‍👧‍👦",
      "🏳️‍🌈",
      "🇫🇷",
      "1️⃣",
      "#️⃣",
      "🫠",
      "©️",
      "🏴󠁧󠁢󠁳󠁣󠁴󠁿",
    ]) {
      assert.ok(isReactionEmoji(emoji), emoji);
    }
  });

  it("refuses text, several emoji, and invisible or combining characters", () => {
    for (const text of [
      "",
      "a",
      "ok",
      "1",
      "#",
      "👍👍",
      "👍 ",
      " 👍",
      "👍a",
      "\u200b",
      "\u202e",
      "\ufe0f",
      "\u0301",
      "👍\u0301",
      "🇫",
      "🇫🇷🇩🇪",
      "☺".repeat(40),
      "<b>",
      "\u0000",
    ]) {
      assert.ok(!isReactionEmoji(text), JSON.stringify(text));
    }
  });
});
