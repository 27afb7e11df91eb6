/**
 * AppError: the only error type that services throw on purpose. Anything else reaching
 * the edge is a bug and leaves the server as `internal_error`.
 */
import { type ErrorBody, type ErrorCode, errorCatalogue } from "@private-chat/protocol/errors";

export class AppError extends Error {
  readonly status: number;

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = "AppError";
    this.status = errorCatalogue[code].status;
  }

  toBody(): ErrorBody {
    const body: ErrorBody = { error: { code: this.code, message: this.message } };
    if (this.details !== undefined) body.error.details = this.details;
    return body;
  }
}

export function notFound(what = "resource"): AppError {
  return new AppError("not_found", `${what} not found`);
}
