/**
 * ApiError: a refusal from the server, with its catalogue code and, when the server said
 * so, how long to wait before trying again.
 */
import { type ErrorCode, isRetryable } from "@private-chat/protocol/errors";

export class ApiError extends Error {
  constructor(
    /** The HTTP status; 0 for socket errors and failures to reach the server. */
    readonly status: number,
    readonly code: ErrorCode | "network_error",
    message: string,
    readonly retryAfterMs?: number,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = "ApiError";
  }

  /**
   * True for failures worth retrying unchanged: the server could not be reached, or the
   * error catalogue marks the code retryable (rate limits, 5xx, timeouts). Wait
   * `retryAfterMs` first when the server sent Retry-After.
   */
  get retryable(): boolean {
    return this.code === "network_error" || isRetryable(this.code);
  }
}
