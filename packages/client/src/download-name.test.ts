import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { dispositionName, safeFileName } from "./download-name.js";

describe("dispositionName", () => {
  it("reads filename* first, then a quoted or bare filename", () => {
    assert.equal(
      dispositionName(`attachment; filename="a.pdf"; filename*=UTF-8''r%C3%A9sum%C3%A9.pdf`),
      "résumé.pdf",
    );
    assert.equal(dispositionName('attachment; filename="say \\"hi\\".txt"'), 'say "hi".txt');
    assert.equal(dispositionName("inline; filename=plain.txt"), "plain.txt");
    assert.equal(dispositionName(`attachment; filename*=UTF-8''%E0%A4%A`), undefined);
    assert.equal(dispositionName(null), undefined);
  });
});

describe("safeFileName", () => {
  it("keeps one harmless path component", () => {
    assert.equal(safeFileName("../../etc/passwd", "x"), "passwd");
    assert.equal(safeFileName("..\\..\\boot.ini", "x"), "boot.ini");
    assert.equal(safeFileName(".bashrc", "x"), "bashrc");
    assert.equal(safeFileName("evil\u202egpj.exe", "x"), "evilgpj.exe");
    assert.equal(safeFileName("a\u0007b\nc.txt", "x"), "abc.txt");
    assert.equal(safeFileName('what?<now>:"|*.txt', "x"), "what__now_____.txt");
    assert.equal(safeFileName("report. ", "x"), "report");
  });

  it("falls back when nothing is left, and cuts long names", () => {
    assert.equal(safeFileName("..", "attachment-1"), "attachment-1");
    assert.equal(safeFileName(undefined, "attachment-1"), "attachment-1");
    assert.equal(safeFileName("/", "attachment-1"), "attachment-1");
    assert.equal([...safeFileName("é".repeat(300), "x")].length, 200);
  });
});
