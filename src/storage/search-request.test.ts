import assert from "node:assert/strict";
import { it } from "node:test";
import { newSnippetMarks, parseMarkedSnippet } from "./search-request.js";

const marks = newSnippetMarks();
const O = marks.open;
const C = marks.close;

it("turns marked excerpts into plain text and ranges", () => {
  assert.deepEqual(parseMarkedSnippet(`say ${O}hello${C} to ${O}you${C}`, marks), {
    text: "say hello to you",
    highlights: [
      [4, 9],
      [13, 16],
    ],
  });
});

it("joins adjacent matches and counts UTF-16 code units", () => {
  assert.deepEqual(parseMarkedSnippet(`😀 ${O}quick${C} ${O}brown${C}`, marks), {
    text: "😀 quick brown",
    highlights: [[3, 14]],
  });
});

it("ignores empty, unopened and unclosed marks", () => {
  assert.deepEqual(parseMarkedSnippet(`${O}${C}a${C} b ${O}c`, marks), {
    text: "a b c",
    highlights: [],
  });
});

it("keeps a body's own control characters and another search's marks as text", () => {
  const other = newSnippetMarks();
  assert.notEqual(other.open, marks.open);
  const forged = `\u0002fake\u0003 ${other.open}x${other.close} ${O}real${C}`;
  const { text, highlights } = parseMarkedSnippet(forged, marks);
  assert.equal(text, `\u0002fake\u0003 ${other.open}x${other.close} real`);
  assert.deepEqual(highlights, [[text.length - 4, text.length]]);
});
