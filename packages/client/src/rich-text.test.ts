/**
 * Formatted message bodies on a terminal (rich-text.ts): bold and code styled, the rest
 * readable on one line, and the sender's text made safe before our own styling.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { formatBody } from "./rich-text.js";
import { type Style, styleFor } from "./style.js";

const tty = { isTTY: true } as NodeJS.WriteStream;
const colour = styleFor(tty, {});
const plain = styleFor(tty, { NO_COLOR: "1" });
const ESC = "\u001b";

describe("formatBody", () => {
  it("shows bold in bold and code in reverse video, without the markup characters", () => {
    assert.equal(
      formatBody("**big** and `x = 1`", colour),
      `${ESC}[1mbig${ESC}[0m and ${ESC}[7mx = 1${ESC}[0m`,
    );
  });

  it("is plain text with NO_COLOR or off a terminal", () => {
    const piped = styleFor({ isTTY: false } as NodeJS.WriteStream, {});
    for (const style of [plain, piped] as Style[]) {
      assert.equal(formatBody("**big** _it_ `x`", style), "big it x");
    }
  });

  it("keeps strikethrough visible, shows link addresses and keeps one line", () => {
    assert.equal(formatBody("~~no~~ yes", plain), "~~no~~ yes");
    assert.equal(
      formatBody("[docs](https://example.com/d) and https://example.org", plain),
      "docs (https://example.com/d) and https://example.org",
    );
    assert.equal(
      formatBody("> said\n\n- a\n- b\n\n3. c\n\n```\nx\ny\n```\nline\nbreak", plain),
      "> said ↵ • a ↵ • b ↵ 3. c ↵ x ↵ y ↵ line ↵ break",
    );
  });

  it("removes the sender's escape sequences before adding its own", () => {
    const hostile = `**${ESC}[31mred${ESC}]0;title\u0007** \`${ESC}[2Jclear\` ${ESC}[8mhidden`;
    const out = formatBody(hostile, colour);
    assert.equal(out, `${ESC}[1mred${ESC}[0m ${ESC}[7mclear${ESC}[0m hidden`);
    assert.equal(formatBody(hostile, plain), "red clear hidden");
    assert.doesNotMatch(formatBody(`[x](https://e.example/${ESC}[31m)`, plain), new RegExp(ESC));
  });

  it("leaves raw HTML as the text it is", () => {
    assert.equal(formatBody("<b>not bold</b>", colour), "<b>not bold</b>");
  });
});
