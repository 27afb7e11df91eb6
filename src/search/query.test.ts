import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { AppError } from "../errors.js";
import { MAX_QUERY_CHARS, parseQuery } from "./query.js";

function refused(input: string, pattern: RegExp): void {
  assert.throws(
    () => parseQuery(input),
    (err: unknown) =>
      err instanceof AppError && err.code === "invalid_query" && pattern.test(err.message),
  );
}

describe("parseQuery", () => {
  it("reads words", () => {
    assert.deepEqual(parseQuery("  lunch   tomorrow "), {
      terms: [
        { kind: "word", text: "lunch" },
        { kind: "word", text: "tomorrow" },
      ],
    });
  });

  it("reads quoted phrases, squeezing their spaces", () => {
    assert.deepEqual(parseQuery('"quick   brown fox" jumps'), {
      terms: [
        { kind: "phrase", text: "quick brown fox" },
        { kind: "word", text: "jumps" },
      ],
    });
    assert.deepEqual(parseQuery('"single"').terms, [{ kind: "word", text: "single" }]);
  });

  it("lets an unclosed quote run to the end", () => {
    assert.deepEqual(parseQuery('see "the end of'), {
      terms: [
        { kind: "word", text: "see" },
        { kind: "phrase", text: "the end of" },
      ],
    });
  });

  it("reads from: and in:, case-insensitively and with quoted values", () => {
    assert.deepEqual(parseQuery('FROM:Alice budget In:"Team chat"'), {
      terms: [{ kind: "word", text: "budget" }],
      from: "Alice",
      in: "Team chat",
    });
    assert.deepEqual(parseQuery("in:3f2a-id report"), {
      terms: [{ kind: "word", text: "report" }],
      in: "3f2a-id",
    });
  });

  it("treats any other prefix as an ordinary word", () => {
    assert.deepEqual(parseQuery("https://example.com to:bob").terms, [
      { kind: "word", text: "https://example.com" },
      { kind: "word", text: "to:bob" },
    ]);
  });

  it("keeps engine syntax as plain text for storage to quote", () => {
    const { terms } = parseQuery('NEAR(a b) x* ^y -z OR back\\slash a"b');
    assert.deepEqual(
      terms.map((t) => t.text),
      ["NEAR(a", "b)", "x*", "^y", "-z", "OR", "back\\slash", 'a"b'],
    );
  });

  it("drops terms with nothing to search for", () => {
    assert.deepEqual(parseQuery('*** hello "" - ^').terms, [{ kind: "word", text: "hello" }]);
  });

  it("accepts letters and digits of any script", () => {
    assert.deepEqual(
      parseQuery("café 東京 ١٢٣").terms.map((t) => t.text),
      ["café", "東京", "١٢٣"],
    );
  });

  it("refuses a query with nothing to search for", () => {
    refused("", /at least one word/);
    refused("   ", /at least one word/);
    refused("*** ( ) ^", /at least one word/);
    refused('""', /at least one word/);
    refused("from:alice", /at least one word/);
    refused("from:alice in:general", /at least one word/);
  });

  it("refuses an operator without a value or given twice", () => {
    refused("from: hello", /from: needs a value/);
    refused('in:"" hello', /in: needs a value/);
    refused("from:a from:b hello", /from: once/);
  });

  it("refuses a query longer than the limit, counting code points", () => {
    refused("a".repeat(MAX_QUERY_CHARS + 1), /at most 256 characters/);
    assert.equal(parseQuery("a".repeat(MAX_QUERY_CHARS)).terms.length, 1);
    assert.equal(parseQuery("😀a".repeat(MAX_QUERY_CHARS / 2)).terms.length, 1);
  });
});
