import assert from "node:assert/strict";
import { it } from "node:test";
import { MARK_CLOSE as C, MARK_OPEN as O, parseMarkedSnippet } from "./search-request.js";

it("turns marked excerpts into plain text and ranges", () => {
  assert.deepEqual(parseMarkedSnippet(`say ${O}hello${C} to ${O}you${C}`), {
    text: "say hello to you",
    highlights: [
      [4, 9],
      [13, 16],
    ],
  });
});

it("joins adjacent matches and counts UTF-16 code units", () => {
  assert.deepEqual(parseMarkedSnippet(`😀 ${O}quick${C} ${O}brown${C}`), {
    text: "😀 quick brown",
    highlights: [[3, 14]],
  });
});

it("ignores empty, unopened and unclosed marks", () => {
  assert.deepEqual(parseMarkedSnippet(`${O}${C}a${C} b ${O}c`), { text: "a b c", highlights: [] });
});
