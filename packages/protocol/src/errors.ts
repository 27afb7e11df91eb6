/**
 * The one error catalogue: every code the server sends, in REST bodies
 * (`{"error":{"code","message"}}`) and socket `error` frames alike, with its HTTP status
 * and whether a client may retry the same request unchanged.
 */
import { z } from "zod/mini";

export const errorCatalogue = {
  invalid_request: { status: 400, retryable: false },
  invalid_json: { status: 400, retryable: false },
  unknown_fields: { status: 400, retryable: false },
  body_empty: { status: 400, retryable: false },
  body_too_long: { status: 400, retryable: false },
  invalid_query: { status: 400, retryable: false },
  // Plain text (a send, an edit, a reaction, a bot or a webhook) for an end-to-end
  // encrypted conversation, whose content only its members' devices can make.
  encryption_required: { status: 400, retryable: false },
  unknown_frame_type: { status: 400, retryable: false },
  invalid_username: { status: 400, retryable: false },
  invalid_password: { status: 400, retryable: false },
  invite_required: { status: 403, retryable: false },
  invalid_invite: { status: 403, retryable: false },
  registration_closed: { status: 403, retryable: false },
  unauthorized: { status: 401, retryable: false },
  invalid_credentials: { status: 401, retryable: false },
  // A sign-in with the right password for an account with a second factor, without one.
  second_factor_required: { status: 401, retryable: false },
  // A wrong, used or expired code or passkey answer at sign-in.
  invalid_second_factor: { status: 401, retryable: false },
  // An OpenID Connect sign-in whose answer does not check out (state, nonce, code, token).
  sign_in_failed: { status: 401, retryable: false },
  token_expired: { status: 401, retryable: false },
  session_revoked: { status: 401, retryable: false },
  account_disabled: { status: 403, retryable: false },
  // [auth] require_2fa: the grace period ended and the account has no second factor yet.
  second_factor_enrolment_required: { status: 403, retryable: false },
  // A sign-in provider vouched for someone this server does not let in.
  sign_in_refused: { status: 403, retryable: false },
  forbidden: { status: 403, retryable: false },
  // An access token used outside the scopes it was given.
  insufficient_scope: { status: 403, retryable: false },
  not_accepting: { status: 403, retryable: false },
  // A group member without the right to pin (only the owner and admins, unless the
  // group lets every member).
  pin_not_allowed: { status: 403, retryable: false },
  // A send into a direct conversation whose other member deleted their account.
  account_deleted: { status: 410, retryable: false },
  not_found: { status: 404, retryable: false },
  // A code or passkey that does not prove a factor being set up (wrong code, stale challenge).
  invalid_verification: { status: 422, retryable: false },
  username_taken: { status: 409, retryable: false },
  conflict: { status: 409, retryable: false },
  too_many_reactions: { status: 409, retryable: false },
  too_many_pins: { status: 409, retryable: false },
  // An encrypted conversation's MLS commit for an epoch another commit already took (or
  // a message from an epoch the server has not reached): process what came first, redo.
  epoch_conflict: { status: 409, retryable: false },
  // A conditional write (If-Match, If-None-Match) whose condition no longer holds: the
  // resource was made or changed meanwhile. Read it again before deciding anything.
  precondition_failed: { status: 412, retryable: false },
  payload_too_large: { status: 413, retryable: false },
  file_too_large: { status: 413, retryable: false },
  quota_exceeded: { status: 413, retryable: false },
  range_not_satisfiable: { status: 416, retryable: false },
  // A sync or resume from a cursor older than the event log keeps: reload, then go on live.
  cursor_expired: { status: 410, retryable: false },
  request_timeout: { status: 408, retryable: true },
  headers_too_large: { status: 431, retryable: false },
  invalid_image: { status: 422, retryable: false },
  invalid_push_endpoint: { status: 422, retryable: false },
  // An outgoing URL (event subscription, slash command) that is not https or not public.
  invalid_url: { status: 422, retryable: false },
  push_unavailable: { status: 404, retryable: false },
  unsupported_media_type: { status: 415, retryable: false },
  rate_limited: { status: 429, retryable: true },
  too_many_auth_attempts: { status: 429, retryable: true },
  // Not retryable: the same add succeeds only once a day's worth of adds has aged out.
  group_add_limit: { status: 429, retryable: false },
  internal_error: { status: 500, retryable: true },
  database_unavailable: { status: 503, retryable: true },
  // An OpenID Connect provider (or a directory) that does not answer.
  provider_unavailable: { status: 503, retryable: true },
  shutting_down: { status: 503, retryable: true },
  server_busy: { status: 503, retryable: true },
} as const satisfies Record<string, { status: number; retryable: boolean }>;

export type ErrorCode = keyof typeof errorCatalogue;
export const ERROR_CODES = Object.keys(errorCatalogue) as ErrorCode[];

export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === "string" && Object.hasOwn(errorCatalogue, code);
}

/**
 * Whether the same request may succeed later unchanged: the one place clients decide a
 * retry. A code this catalogue does not know (a newer server) is not retried.
 */
export function isRetryable(code: string): boolean {
  return isErrorCode(code) && errorCatalogue[code].retryable;
}

/**
 * A code as it arrives from the server. A code newer than this catalogue still decodes,
 * as `internal_error` (`strict` decoding reports the difference).
 */
export const errorCode = z.catch(
  z.enum(ERROR_CODES as [ErrorCode, ...ErrorCode[]]),
  "internal_error",
);

export const errorBody = z.object({
  error: z.object({ code: errorCode, message: z.string(), details: z.optional(z.unknown()) }),
});
export type ErrorBody = z.infer<typeof errorBody>;
