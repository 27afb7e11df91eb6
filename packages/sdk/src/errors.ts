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

/** Why an encrypted conversation's step could not go on (docs/E2EE.md). */
export type EncryptedChatCode =
  /** A change to the group's keys does not apply: the server withheld or reordered one. */
  | "refused"
  /** Nobody else in the conversation has a device yet. */
  | "no_device"
  /** This device is not in the group yet: a member's device adds it. */
  | "not_added"
  /** Content refused before it is encrypted, as the server refuses plain text. */
  | "body_empty"
  | "body_too_long"
  | "invalid_content";

/** A step of an encrypted conversation (mls/encrypted-chat.ts) that stopped, and why. */
export class EncryptedChatError extends Error {
  constructor(
    readonly code: EncryptedChatCode,
    message: string,
  ) {
    super(message);
    this.name = "EncryptedChatError";
  }
}
