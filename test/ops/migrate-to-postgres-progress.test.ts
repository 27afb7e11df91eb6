/**
 * The progress the migration reports: a bar redrawn in place on a terminal, one plain line
 * per step otherwise (logs, pipes).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Progress } from "../../src/ops/migrate-to-postgres/progress.js";

describe("chat-server migrate-to-postgres: progress", () => {
  it("draws a bar in place on a terminal and writes plain lines otherwise", () => {
    const output = (isTTY: boolean) => {
      let text = "";
      const progress = new Progress({ isTTY, write: (chunk: string) => (text += chunk) });
      progress.startTable("messages", 1000, 0);
      for (let i = 0; i < 10; i++) progress.advance(100);
      progress.finishTable();
      progress.startTable("invites", 0, 0);
      progress.finishTable();
      return text;
    };
    const tty = output(true);
    const redraw = `\r\x1b[2K${"messages".padEnd(20)}`;
    assert.ok(tty.startsWith(`${redraw} [${"-".repeat(30)}]   0% 0/1,000 rows`), tty);
    assert.ok(tty.includes(`${redraw} [${"#".repeat(15)}${"-".repeat(15)}]  50% 500/1,000 rows`));
    assert.ok(tty.includes(`${redraw} [${"#".repeat(30)}] 100% 1,000/1,000 rows\n`));
    const plain = output(false);
    assert.ok(!plain.includes("\r") && !plain.includes("\x1b"));
    const lines = plain.trim().split("\n");
    assert.equal(lines.length, 11);
    assert.equal(lines[0], "messages: 100/1,000 rows (10%)");
    assert.equal(lines[9], "messages: 1,000/1,000 rows (100%)");
    assert.equal(lines[10], "invites: 0/0 rows (100%)");
  });
});
