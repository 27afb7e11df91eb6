/**
 * Terminal-safe text (sanitize.ts): safeInline and safeBody remove whole escape sequences
 * (CSI, OSC/DCS/SOS/PM/APC, short ESC sequences, 7- and 8-bit), every other C0/C1 control
 * and DEL, and the bidi overrides and isolates; they map line breaks and tabs; ordinary
 * text, emoji and other scripts pass unchanged. safeJson stays valid JSON with the unsafe
 * characters escaped; truncate cuts on code points.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { safeBody, safeInline, safeJson, truncate } from "./sanitize.js";

const ESC = "\u001b";
// Anything that can control a terminal or reorder text: C0, DEL, C1, bidi overrides/isolates.
const UNSAFE = /[\p{Cc}\u202a-\u202e\u2066-\u2069]/u;

const HOSTILE: [input: string, inline: string][] = [
  [`${ESC}[31mred${ESC}[0m`, "red"],
  [`${ESC}[1;2H${ESC}[2J${ESC}[?25lgone`, "gone"],
  ["\u009b31mC1 CSI", "C1 CSI"],
  [`${ESC}]0;pwned\u0007title`, "title"],
  [`${ESC}]8;;https://evil.example${ESC}\\link${ESC}]8;;${ESC}\\`, "link"],
  ["\u009d0;pwned\u009ctitle", "title"],
  [`${ESC}Pq#0;2;0;0;0${ESC}\\dcs`, "dcs"],
  [`${ESC}Xsos${ESC}\\a${ESC}^pm${ESC}\\b${ESC}_apc${ESC}\\c`, "abc"],
  [`${ESC}]0;unterminated title`, ""],
  [`${ESC}7${ESC}8${ESC}c${ESC}(0${ESC}#8x`, "x"],
  [`a${ESC}`, "a"],
  [`a${ESC}[`, "a"],
  ["bell\u0007 bs\u0008 nul\u0000 del\u007f", "bell bs nul del"],
  ["c1\u0080\u0085\u008d\u009c!", "c1 !"],
  ["\u0090dcs\u009cx\u009fapc to the end", "x"],
  ["\u202eevil\u202c \u2066iso\u2069 \u202a\u202b\u202d\u2067\u2068", "evil iso "],
  [`${ESC}\u0000[31m`, "[31m"],
];

describe("safeInline and safeBody", () => {
  it("remove escape sequences and controls", () => {
    for (const [input, inline] of HOSTILE) {
      assert.equal(safeInline(input), inline, JSON.stringify(input));
      const body = safeBody(input);
      assert.doesNotMatch(body, UNSAFE, JSON.stringify(input));
      assert.ok(!body.includes(ESC));
    }
  });

  it("never let a control character through, whatever the mix", () => {
    // Deterministic pseudo-random strings over the dangerous alphabet.
    const alphabet = [ESC, "[", "]", "\\", "P", "X", "^", "_", "0", ";", "m", "\u0007"];
    alphabet.push("\u009b", "\u009c", "\u009d", "\u0090", "\n", "\r", "\t", "\u202e", "a");
    let seed = 42;
    const next = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed;
    };
    for (let i = 0; i < 2000; i++) {
      let text = "";
      for (let n = next() % 16; n > 0; n--) text += alphabet[next() % alphabet.length];
      assert.doesNotMatch(safeInline(text), UNSAFE, JSON.stringify(text));
      assert.doesNotMatch(safeBody(text), UNSAFE, JSON.stringify(text));
    }
  });

  it("leave ordinary text, emoji and other scripts unchanged", () => {
    const texts = [
      "Hello, world! 100% [ok] {json} ~/path \\ back",
      "Grüße, ça va? ¿Qué tal? Ωμέγα",
      "Привет, мир",
      "日本語のテキスト、中文，한국어",
      "مرحبا بالعالم שלום עולם",
      "हिन्दी ไทย",
      "👍 🎉 👨‍👩‍👧 🇳🇱 ❤️ 🏳️‍🌈",
      "e\u0301 zero\u200bwidth\u200djoin",
    ];
    for (const text of texts) {
      assert.equal(safeInline(text), text);
      assert.equal(safeBody(text), text);
    }
  });

  it("map line breaks and tabs", () => {
    assert.equal(safeInline("a\nb\r\nc\rd\u2028e\u2029f\u0085g\th"), "a b c d e f g h");
    assert.equal(safeBody("one\ntwo\r\nthree\u2028four"), "one ↵ two ↵ three ↵ four");
    assert.equal(safeBody("\u0085x"), " ↵ x");
    assert.equal(safeBody("a\tb"), "a  b");
  });
});

describe("safeJson", () => {
  it("round-trips and escapes DEL, C1, line separators and bidi controls", () => {
    const value = {
      body: `${ESC}[31m\u0007\u007f\u0085\u009b\u2028\u2029\u202e\u2066 ok 👍 日本`,
      "key\u202e": [1, null, true],
    };
    for (const text of [safeJson(value), safeJson(value, 2)]) {
      assert.deepEqual(JSON.parse(text), value);
      assert.doesNotMatch(text.replaceAll("\n", ""), UNSAFE);
      assert.ok(text.includes("\\u001b") && text.includes("\\u009b") && text.includes("\\u202e"));
    }
    assert.equal(safeJson({ a: 1 }, 2), '{\n  "a": 1\n}');
    assert.equal(safeJson("👍 Привет"), '"👍 Привет"');
  });
});

describe("truncate", () => {
  it("keeps short text and cuts long text to max code points with an ellipsis", () => {
    assert.equal(truncate("hello", 5), "hello");
    assert.equal(truncate("hello", 10), "hello");
    assert.equal(truncate("hello world", 5), "hell…");
    assert.equal(truncate("", 3), "");
  });

  it("counts code points, never splitting a surrogate pair", () => {
    assert.equal(truncate("👍👍👍", 3), "👍👍👍");
    assert.equal(truncate("👍👍👍👍", 3), "👍👍…");
    assert.equal(truncate("日本語テキスト", 4), "日本語…");
    assert.equal(truncate("abc", 1), "…");
  });
});

it("drops the bidi marks as well as the overrides and isolates", () => {
  assert.equal(safeInline("invoice\u200fgpj\u061c.exe\u200e"), "invoicegpj.exe");
  assert.equal(safeJson("a\u200fb"), '"a\\u200fb"');
});
