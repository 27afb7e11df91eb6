import assert from "node:assert/strict";
import { it } from "node:test";
import { cleanName, isVisibleName, normaliseName, showName } from "./names.js";

const BIDI_CONTROLS = [
  "\u202a",
  "\u202b",
  "\u202c",
  "\u202d",
  "\u202e",
  "\u2066",
  "\u2067",
  "\u2068",
  "\u2069",
  "\u200e",
  "\u200f",
  "\u061c",
];

it("strips every bidi control, so a name reads in the order it is stored", () => {
  for (const control of BIDI_CONTROLS) {
    assert.equal(cleanName(`invoice${control}gpj.exe`), "invoicegpj.exe", escape(control));
  }
});

it("turns line and paragraph separators, tabs and other white space into single spaces", () => {
  for (const space of [
    "\u2028",
    "\u2029",
    "\n",
    "\r\n",
    "\t",
    "\u0085",
    "\u00a0",
    "\u3000",
    "\u2003",
  ]) {
    assert.equal(cleanName(`Team${space}${space}Rocket`), "Team Rocket", escape(space));
  }
  assert.equal(cleanName("  padded  "), "padded");
});

it("removes C0 and C1 controls and hidden format characters", () => {
  for (const hidden of [
    "\u0001",
    "\u0007",
    "\u001b",
    "\u007f",
    "\u0080",
    "\u009b",
    "\u200b",
    "\u2060",
    "\ufeff",
    "\u180e",
    "\u00ad",
    "\u2062",
    "\u{e0041}",
    "\u3164",
    "\u115f",
  ]) {
    assert.equal(cleanName(`ad${hidden}min`), "admin", escape(hidden));
  }
});

it("composes to NFC", () => {
  assert.equal(cleanName("Cafe\u0301"), "Caf\u00e9");
});

it("keeps joiners and variation selectors that visible text needs", () => {
  for (const name of ["👨‍👩‍👧 family", "❤️", "می‌خواهم", "Zoë", "مرحبا", "日本語", "a\u0301"]) {
    assert.equal(cleanName(name), name.normalize("NFC"), name);
  }
  assert.equal(cleanName("\u200dab\u200c"), "ab");
});

it("refuses a name that is empty or only invisible once cleaned", () => {
  const invisible = [
    "",
    "   ",
    "\u200b",
    "\u2060\u2060",
    "\ufeff",
    "\u180e",
    "\u3164",
    "\u115f\u1160",
    "\uffa0",
    "\u0301\u0302",
    "\u200d\u200c",
    "\ufe0f",
    "\u2800",
    "\u202e\u202d",
    "\u2028\u2029",
    "\u034f",
    "\u{e0041}\u{e0042}",
    " \u200b\u2060\ufeff\u180e\u3164 ",
  ];
  for (const name of invisible) {
    assert.equal(normaliseName(name), undefined, escape(name));
    assert.equal(isVisibleName(name), false, escape(name));
  }
  assert.equal(normaliseName(" \u200bAda\u2060 "), "Ada");
});

it("shows a stored name cleaned, or the fallback when nothing visible is left", () => {
  assert.equal(showName("evil\u202etxt.exe", "?"), "eviltxt.exe");
  assert.equal(showName("\u200b\u3164", "alice"), "alice");
});
