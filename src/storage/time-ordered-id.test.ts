import assert from "node:assert/strict";
import { test } from "node:test";
import { timeOrderedId } from "./time-ordered-id.js";

test("time-ordered ids are RFC 9562 version 7 and strictly increase", () => {
  const ids = Array.from({ length: 10_000 }, () => timeOrderedId(1_700_000_000_000));
  for (const id of ids) {
    assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  }
  const sorted = [...ids].sort();
  assert.deepEqual(sorted, ids);
  assert.equal(new Set(ids).size, ids.length);
  assert.equal(
    ids[0]?.slice(0, 13).replace("-", ""),
    (1_700_000_000_000).toString(16).padStart(12, "0"),
  );
});

test("a clock that steps back does not break the order", () => {
  const a = timeOrderedId(1_800_000_000_000);
  const b = timeOrderedId(1_799_999_999_000);
  assert.ok(b > a);
});
