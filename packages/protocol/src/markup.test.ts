import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type Block, isSafeHref, parseMarkup, plainText } from "./markup.js";

const text = (t: string) => ({ type: "text", text: t }) as const;
const para = (...children: unknown[]) => ({ type: "paragraph", children }) as unknown as Block;

describe("parseMarkup", () => {
  it("reads plain text as one paragraph, and nothing as no blocks", () => {
    assert.deepEqual(parseMarkup("hello there"), [para(text("hello there"))]);
    assert.deepEqual(parseMarkup(""), []);
  });

  it("reads bold, italic, strikethrough and inline code", () => {
    assert.deepEqual(parseMarkup("**b** __b2__ *i* _i2_ ~~s~~ `c*d*`"), [
      para(
        { type: "strong", children: [text("b")] },
        text(" "),
        { type: "strong", children: [text("b2")] },
        text(" "),
        { type: "em", children: [text("i")] },
        text(" "),
        { type: "em", children: [text("i2")] },
        text(" "),
        { type: "strike", children: [text("s")] },
        text(" "),
        { type: "code", text: "c*d*" },
      ),
    ]);
  });

  it("leaves underscores inside words alone", () => {
    assert.deepEqual(parseMarkup("snake_case_name"), [para(text("snake_case_name"))]);
  });

  it("reads a fenced code block with its language, verbatim", () => {
    assert.deepEqual(parseMarkup("```ts\nconst a = **b**;\n  <b>x</b>\n```"), [
      { type: "code_block", lang: "ts", text: "const a = **b**;\n  <b>x</b>" },
    ]);
    assert.deepEqual(parseMarkup("```\nx\n```"), [{ type: "code_block", text: "x" }]);
  });

  it("reads block quotes and lists, an ordered one keeping its start", () => {
    assert.deepEqual(parseMarkup("> said\n\n- a\n- b\n\n3. c"), [
      { type: "blockquote", children: [para(text("said"))] },
      {
        type: "list",
        ordered: false,
        start: 1,
        children: [
          { type: "item", children: [para(text("a"))] },
          { type: "item", children: [para(text("b"))] },
        ],
      },
      {
        type: "list",
        ordered: true,
        start: 3,
        children: [{ type: "item", children: [para(text("c"))] }],
      },
    ]);
  });

  it("keeps line breaks", () => {
    assert.deepEqual(parseMarkup("one\ntwo"), [
      para(text("one"), { type: "softbreak" }, text("two")),
    ]);
  });

  it("reads links and bare http(s) links, leaving trailing punctuation out", () => {
    assert.deepEqual(parseMarkup("[docs](https://example.com/d) and https://example.org/x."), [
      para(
        { type: "link", href: "https://example.com/d", children: [text("docs")] },
        text(" and "),
        {
          type: "link",
          href: "https://example.org/x",
          children: [text("https://example.org/x")],
        },
        text("."),
      ),
    ]);
    const [wiki] = parseMarkup("(http://example.org/a_(b))");
    assert.deepEqual(
      wiki,
      para(
        text("("),
        {
          type: "link",
          href: "http://example.org/a_(b)",
          children: [text("http://example.org/a_(b)")],
        },
        text(")"),
      ),
    );
    // Markup characters inside a bare link belong to the link.
    const [stars] = parseMarkup("https://example.com/a*b*c");
    assert.equal(
      (stars as { children: { href?: string }[] }).children[0]?.href,
      "https://example.com/a*b*c",
    );
  });

  it("makes links of http(s) and mailto only", () => {
    for (const body of [
      "[x](javascript:alert(1))",
      "[x](JAVASCRIPT:alert(1))",
      "[x](data:text/html,hi)",
      "[x](vbscript:x)",
      "[x](/relative)",
      "<javascript:alert(1)>",
      "javascript:alert(1)",
      "ftp://example.com/f",
      "example.com and a@b.example",
    ]) {
      assert.deepEqual(parseMarkup(body), [para(text(body))], body);
    }
    const [mail] = parseMarkup("[me](mailto:a@b.example)");
    assert.equal(
      (mail as { children: { href?: string }[] }).children[0]?.href,
      "mailto:a@b.example",
    );
    assert.equal(isSafeHref(" https://x.example"), true);
    assert.equal(isSafeHref("javascript:alert(1)"), false);
  });

  it("keeps raw HTML as text", () => {
    const body = `<img src=x onerror="alert(1)"> <script>alert(1)</script>`;
    assert.deepEqual(parseMarkup(body), [para(text(body))]);
    assert.deepEqual(parseMarkup("<div>\nx\n</div>"), [
      para(text("<div>"), { type: "softbreak" }, text("x"), { type: "softbreak" }, text("</div>")),
    ]);
  });

  it("leaves headings, images, rules, tables and indented code as typed", () => {
    assert.deepEqual(parseMarkup("# not a heading"), [para(text("# not a heading"))]);
    assert.deepEqual(parseMarkup("---"), [para(text("---"))]);
    assert.deepEqual(parseMarkup("    four spaces"), [para(text("four spaces"))]);
    assert.deepEqual(parseMarkup("| a | b |\n|---|---|"), [
      para(text("| a | b |"), { type: "softbreak" }, text("|---|---|")),
    ]);
    const [image] = parseMarkup("![alt](https://example.com/i.png)");
    assert.ok(!JSON.stringify(image).includes("image"));
  });
});

describe("plainText", () => {
  it("drops the markup characters and keeps the words", () => {
    assert.equal(plainText("**bold** _it_ ~~gone~~ `code` word"), "bold it gone code word");
    assert.equal(plainText("see [the docs](https://example.com)"), "see the docs");
    assert.equal(
      plainText("> quoted\n\n- one\n- two\n\n```\nx = 1\n```"),
      "quoted\none\ntwo\nx = 1",
    );
  });

  it("leaves text without markup as it was", () => {
    for (const body of [
      "hello",
      "a <b> c",
      "line\nbreak",
      "2 * 3 * 4",
      "snake_case",
      "@alice hi",
    ]) {
      assert.equal(plainText(body), body);
    }
  });
});
