import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  CONTENT_MARKER,
  contentProblem,
  decodeContent,
  type EncryptedContent,
  encodeContent,
  MAX_CONTENT_BYTES,
} from "./encrypted-content.js";

const envelope = (value: unknown) =>
  new Uint8Array([CONTENT_MARKER, ...new TextEncoder().encode(JSON.stringify(value))]);

describe("encrypted content", () => {
  it("round-trips each kind through the envelope", () => {
    const kinds: EncryptedContent[] = [
      { kind: "text", body: "hello", reply_to: 3, thread_root: 2 },
      { kind: "edit", target: 4, body: "hello again" },
      { kind: "reaction", target: 4, emoji: "👍", action: "added" },
      { kind: "reaction", target: 4, emoji: "old text", action: "removed" },
    ];
    for (const content of kinds) {
      const bytes = encodeContent(content);
      assert.equal(bytes[0], CONTENT_MARKER);
      assert.deepEqual(decodeContent(bytes), content);
    }
  });

  it("sends words alone as raw text, and words starting with the marker in the envelope", () => {
    const plain = encodeContent({ kind: "text", body: "just words" });
    assert.equal(new TextDecoder().decode(plain), "just words");
    const marked = { kind: "text", body: "\u0000not a marker" } as const;
    assert.equal(encodeContent(marked)[0], CONTENT_MARKER);
    assert.deepEqual(decodeContent(encodeContent(marked)), marked);
  });

  it("opens raw UTF-8 as the text devices sent before the envelope", () => {
    assert.deepEqual(decodeContent(new TextEncoder().encode('héllo {"kind":"edit"}')), {
      kind: "text",
      body: 'héllo {"kind":"edit"}',
    });
  });

  it("keeps a kind it does not know, or one that does not parse, as unknown", () => {
    assert.deepEqual(decodeContent(envelope({ kind: "poll", question: "?" })), {
      kind: "unknown",
      type: "poll",
    });
    assert.deepEqual(decodeContent(envelope({ kind: "edit", body: "no target" })), {
      kind: "unknown",
      type: "edit",
    });
    assert.deepEqual(decodeContent(new Uint8Array([CONTENT_MARKER, 0x7b])), {
      kind: "unknown",
      type: "",
    });
  });

  it("ignores fields it does not know, so a kind can grow", () => {
    assert.deepEqual(decodeContent(envelope({ kind: "text", body: "hi", mentions: ["x"] })), {
      kind: "text",
      body: "hi",
    });
  });

  it("refuses before encrypting what the server would refuse as plain text", () => {
    assert.equal(contentProblem({ kind: "text", body: "  " })?.code, "body_empty");
    assert.equal(
      contentProblem({ kind: "edit", target: 1, body: "abcd" }, 3)?.code,
      "body_too_long",
    );
    // Characters as the server counts them, not UTF-16 units.
    assert.equal(contentProblem({ kind: "text", body: "😀😀😀" }, 3), undefined);
    assert.equal(
      contentProblem({ kind: "reaction", target: 1, emoji: "ok", action: "added" })?.code,
      "invalid_content",
    );
    assert.equal(
      contentProblem({ kind: "text", body: "x", reply_to: 0 } as EncryptedContent)?.code,
      "invalid_content",
    );
    assert.ok(MAX_CONTENT_BYTES < 256 * 1024);
    const huge = { kind: "text", body: "😀".repeat(62_000) } as const;
    assert.match(contentProblem(huge)?.message ?? "", /bytes once encoded/);
    assert.throws(() => encodeContent(huge), /bytes once encoded/);
  });
});
