import assert from "node:assert/strict";
import { test } from "node:test";
import { orderByDuration, recordedDurations } from "../../scripts/order-test-files.js";

test("test files: unknown first, then longest first, ties in the given order", () => {
  const seconds = { "a.test.ts": 10, "b.test.ts": 300, "c.test.ts": 10, "d.test.ts": 0 };
  assert.deepEqual(
    orderByDuration(["a.test.ts", "b.test.ts", "c.test.ts", "d.test.ts", "new.test.ts"], seconds),
    ["new.test.ts", "b.test.ts", "a.test.ts", "c.test.ts", "d.test.ts"],
  );
});

test("test files: the timer's lines become whole seconds by file, the longer of two kept", () => {
  const lines = [
    { file: "b.test.ts", seconds: 12.6 },
    { file: "a.test.ts", seconds: 3.2 },
    { file: "b.test.ts", seconds: 4 },
  ].map((l) => JSON.stringify(l));
  assert.deepEqual(recordedDurations(`${lines.join("\n")}\n`), { "a.test.ts": 3, "b.test.ts": 13 });
});
