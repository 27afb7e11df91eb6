import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isRetryable } from "./errors.js";
import { closeAdvice, decodeServerFrame, encodeClientFrame, retryAfterOf } from "./frames.js";

const read = { type: "read", conversation_id: "c", user_id: "u", seq: 3, cursor: 9 };

describe("decodeServerFrame", () => {
  it("drops fields it does not know, unless strict", () => {
    const text = JSON.stringify({ ...read, added_later: true });
    assert.deepEqual(decodeServerFrame(text), { ok: true, frame: read });
    const strict = decodeServerFrame(text, { strict: true });
    assert.equal(strict.ok, false);
    assert.match(strict.ok ? "" : strict.problem, /added_later: unknown field/);
  });

  it("reports a frame type it does not know, without throwing", () => {
    const decoded = decodeServerFrame('{"type":"poll.created","cursor":1}');
    assert.equal(decoded.ok, false);
    assert.equal(!decoded.ok && decoded.unknownType, true);
  });

  it("refuses a known type with a missing field, and text that is not JSON", () => {
    const missing = decodeServerFrame('{"type":"synced","cursor":1}');
    assert.equal(!missing.ok && !missing.unknownType, true);
    assert.equal(decodeServerFrame("{").ok, false);
  });

  it("decodes an error code newer than the catalogue as internal_error, strict reports it", () => {
    const text = '{"type":"error","code":"brand_new","message":"m"}';
    const decoded = decodeServerFrame(text);
    assert.equal(
      decoded.ok && decoded.frame.type === "error" && decoded.frame.code,
      "internal_error",
    );
    assert.equal(decodeServerFrame(text, { strict: true }).ok, false);
  });
});

describe("catalogues", () => {
  it("say when to retry and when to reconnect", () => {
    assert.equal(isRetryable("rate_limited"), true);
    assert.equal(isRetryable("not_found"), false);
    assert.equal(isRetryable("not_a_code"), false);
    assert.deepEqual(
      [closeAdvice(4401).reauthenticate, closeAdvice(4401).reconnect],
      [true, false],
    );
    assert.equal(closeAdvice(1001).reconnect, true);
    assert.equal(closeAdvice(3999).name, "unknown");
    assert.equal(closeAdvice(3999).reconnect, true);
  });

  it("encodes client frames without undefined fields", () => {
    const text = encodeClientFrame({ type: "typing", conversation_id: "c", id: undefined });
    assert.equal(text, '{"type":"typing","conversation_id":"c"}');
  });
});

it("reads the delay a busy node's close reason asks for", () => {
  assert.equal(retryAfterOf("server busy; retry_after_ms=2500"), 2500);
  assert.equal(retryAfterOf("server busy; retry_after_ms=99999999"), 60_000);
  assert.equal(retryAfterOf("too many sockets"), undefined);
  assert.equal(closeAdvice(1013).name, "tryAgainLater");
});
