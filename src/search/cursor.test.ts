import assert from "node:assert/strict";
import { it } from "node:test";
import { AppError } from "../errors.js";
import { decodeCursor, encodeCursor } from "./cursor.js";

it("round-trips a cursor exactly, whatever the rank's precision", () => {
  for (const rank of [0.06079271, -1.0000000000000002e-6, 1e-300, 12345.678901234567]) {
    const cursor = { rank, id: "0190f1c2-7a4b-7000-8000-000000000001" };
    assert.deepEqual(decodeCursor(encodeCursor(cursor)), cursor);
  }
});

it("refuses anything it did not make with invalid_request", () => {
  const json = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
  for (const text of ["", "!!!", json({ rank: 1, id: "x" }), json(["1", "x"]), json([1, ""])]) {
    assert.throws(
      () => decodeCursor(text),
      (err: unknown) => err instanceof AppError && err.code === "invalid_request",
      text,
    );
  }
});
