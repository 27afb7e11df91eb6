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

  it("carries files in the envelope: a key, a nonce and the plaintext's name, type, size and hash", () => {
    const file = {
      attachment_id: "7d9c0000-0000-4000-8000-000000000000",
      key: "A".repeat(43),
      iv: "B".repeat(16),
      name: "plan.pdf",
      type: "application/pdf",
      size: 1234,
      sha256: "ab".repeat(32),
    };
    const withWords: EncryptedContent = { kind: "text", body: "the plan", files: [file] };
    const alone: EncryptedContent = { kind: "text", body: "", files: [file] };
    for (const content of [withWords, alone]) {
      const bytes = encodeContent(content);
      assert.equal(bytes[0], CONTENT_MARKER, "a text with files is never raw text");
      assert.deepEqual(decodeContent(bytes), content);
    }
    const problem = (files: unknown[], body = "x") =>
      contentProblem({ kind: "text", body, files } as EncryptedContent)?.code;
    assert.equal(problem([]), "invalid_content");
    assert.equal(problem(Array.from({ length: 11 }, () => file)), "invalid_content");
    assert.equal(problem([{ ...file, key: "short" }]), "invalid_content");
    assert.equal(problem([{ ...file, iv: `${"B".repeat(15)}=` }]), "invalid_content");
    assert.equal(problem([{ ...file, sha256: "AB".repeat(32) }]), "invalid_content");
    assert.equal(problem([{ ...file, name: "" }]), "invalid_content");
    assert.equal(problem([{ ...file, name: "n".repeat(513) }]), "invalid_content");
    assert.equal(problem([{ ...file, size: -1 }]), "invalid_content");
    assert.equal(problem([file], "  "), "body_empty");
    assert.equal(contentProblem({ kind: "text", body: "" })?.code, "body_empty");
    // A device of an earlier version reads a file reference it cannot check as unknown.
    assert.deepEqual(decodeContent(envelope({ kind: "text", body: "", files: [{}] })), {
      kind: "unknown",
      type: "text",
    });
  });
});
