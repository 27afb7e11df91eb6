/**
 * Errors the client reports to the user: each has a short code, a one-line message and
 * the exit status, so every command fails the same way (`chat-client: <code>: <message>`).
 */
// The error class alone: the SDK's whole index is not needed to say what went wrong.
import { ApiError, EncryptedChatError } from "@private-chat/sdk/errors";
import { safeInline } from "./sanitize.js";

export const EXIT_OK = 0;
export const EXIT_ERROR = 1;
export const EXIT_NOT_LOGGED_IN = 2;
/** `run`: the bot did not answer, so a script can tell that from a refusal (1). */
export const EXIT_NO_ANSWER = 3;

export class CliError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly exitCode: number = EXIT_ERROR,
  ) {
    super(message);
    this.name = "CliError";
  }
}

export function usageError(message: string): CliError {
  return new CliError("usage", `${message} (see chat-client --help)`);
}

export function notLoggedIn(): CliError {
  return new CliError(
    "not_logged_in",
    "not logged in; run chat-client login --server URL first",
    EXIT_NOT_LOGGED_IN,
  );
}

// A session that ended on the server is the same situation as no session at all: the
// user's next step is to log in again.
const SESSION_GONE = new Set(["unauthorized", "token_expired", "session_revoked"]);

export function isSessionGone(error: unknown): error is ApiError {
  return error instanceof ApiError && SESSION_GONE.has(error.code);
}

export function sessionGone(error: ApiError): CliError {
  return new CliError(
    error.code,
    `${error.message}; run chat-client login --server URL again`,
    EXIT_NOT_LOGGED_IN,
  );
}

/** Turns anything thrown into a CliError; `authenticated` says a session token was used. */
export function toCliError(error: unknown, authenticated: boolean): CliError {
  if (error instanceof CliError) return error;
  if (error instanceof EncryptedChatError) return new CliError(error.code, error.message);
  if (error instanceof ApiError) {
    if (authenticated && isSessionGone(error)) return sessionGone(error);
    return new CliError(error.code, error.message);
  }
  if (error instanceof SyntaxError) {
    // The SDK parses every answer as JSON; HTML here means a web server that is not ours.
    return new CliError(
      "bad_response",
      "the server's answer is not JSON; is --server the chat server's URL?",
    );
  }
  const message = error instanceof Error ? error.message : String(error);
  return new CliError("internal_error", message);
}

/** The one line printed on stderr; server text is cleaned since it may echo user input. */
export function errorLine(error: CliError): string {
  return `chat-client: ${safeInline(error.code)}: ${safeInline(error.message)}\n`;
}
