/**
 * ApiError: a refusal from the server, with its catalogue code and, when the server said
 * so, how long to wait before trying again.
 */
import type { ErrorCode } from "../protocol/errors.js";

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode | "network_error",
    message: string,
    readonly retryAfterMs?: number,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = "ApiError";
  }

  /** True for failures worth retrying unchanged (network, 429, 5xx). */
  get retryable(): boolean {
    return this.code === "network_error" || this.status === 429 || this.status >= 500;
  }
}
