import assert from "node:assert/strict";
import { it } from "node:test";
import { ERROR_CODES, errorCatalogue } from "@private-chat/protocol/errors";
import { ApiError } from "./errors.js";

it("ApiError.retryable is the catalogue's flag for every code, and true for network errors", () => {
  for (const code of ERROR_CODES) {
    const entry = errorCatalogue[code];
    const error = new ApiError(entry.status, code, "m");
    assert.equal(error.retryable, entry.retryable, code);
  }
  assert.equal(new ApiError(0, "network_error", "m").retryable, true);
});
