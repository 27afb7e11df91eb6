import assert from "node:assert/strict";
import { it } from "node:test";
import { containsUnsafeText, mayContainUnsafeText } from "./unsafe-text.js";

it("finds NUL and unpaired surrogates anywhere in a value, and lets real text through", () => {
  assert.equal(containsUnsafeText({ body: "a\u0000b" }), true);
  assert.equal(containsUnsafeText({ list: ["ok", "a\ud800b"] }), true);
  assert.equal(containsUnsafeText({ "k\udc00": 1 }), true);
  assert.equal(containsUnsafeText("\udc00\ud800"), true);
  assert.equal(containsUnsafeText({ body: "héllo 👨‍👩‍👧 مرحبا" }), false);
  assert.equal(mayContainUnsafeText('{"body":"plain"}'), false);
  assert.equal(mayContainUnsafeText('{"body":"\\ud800"}'), true);
});
