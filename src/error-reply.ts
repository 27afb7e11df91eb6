/**
 * The one place a failure becomes what a client is told: `{status, code, message}` from
 * the error catalogue. REST (http/error-handler.ts), socket error frames
 * (realtime/frame-handlers.ts) and the socket handshake (realtime/socket-server.ts) all
 * answer through it, so one failure reads the same on every surface.
 */

import type { ErrorBody, ErrorCode } from "@private-chat/protocol/errors";
import { ZodError } from "zod";
import { AppError } from "./errors.js";
import { isDatabaseUnavailable } from "./storage/errors.js";

export interface ErrorReply {
  status: number;
  code: ErrorCode;
  message: string;
  details?: unknown;
  retryAfterSeconds?: number;
  /** Not a failure the server expects (a bug): log it; the client only sees internal_error. */
  unexpected: boolean;
}

/** One complaint of a schema (a zod issue, or one that Fastify's validation passed on). */
export interface Issue {
  code: string;
  path: readonly PropertyKey[];
  message: string;
  keys?: readonly string[];
}

/** A schema's complaints about `where` ("body", "message.send frame", ...) as one error. */
export function invalidInput(issues: readonly Issue[], where: string): AppError {
  const unknown = issues.flatMap((issue) =>
    issue.code === "unrecognized_keys" ? [...(issue.keys ?? [])] : [],
  );
  if (unknown.length > 0) {
    return new AppError("unknown_fields", `unknown fields in ${where}: ${unknown.join(", ")}`, {
      fields: unknown,
    });
  }
  const problems = issues.map((issue) => ({
    field: issue.path.map(String).join(".") || where,
    message: issue.message,
  }));
  const summary = problems.map((p) => `${p.field}: ${p.message}`).join("; ");
  return new AppError("invalid_request", `invalid ${where}: ${summary}`, { problems });
}

function fromAppError(err: AppError): ErrorReply {
  const reply: ErrorReply = {
    status: err.status,
    code: err.code,
    message: err.message,
    unexpected: false,
  };
  if (err.details !== undefined) reply.details = err.details;
  if (err.retryAfterSeconds !== undefined) reply.retryAfterSeconds = err.retryAfterSeconds;
  return reply;
}

export function errorReply(err: unknown): ErrorReply {
  if (err instanceof AppError) return fromAppError(err);
  if (err instanceof ZodError) {
    const problems = err.issues.map((issue) => ({
      field: issue.path.join(".") || "request",
      message: issue.message,
    }));
    const summary = problems.map((p) => `${p.field}: ${p.message}`).join("; ");
    return fromAppError(
      new AppError("invalid_request", `invalid request: ${summary}`, { problems }),
    );
  }
  if (isDatabaseUnavailable(err)) {
    return fromAppError(
      new AppError("database_unavailable", "the database is unavailable; try again shortly"),
    );
  }
  return {
    status: 500,
    code: "internal_error",
    message: "an internal error occurred",
    unexpected: true,
  };
}

/** The REST body of a reply. */
export function errorBody(reply: ErrorReply): ErrorBody {
  const body: ErrorBody = { error: { code: reply.code, message: reply.message } };
  if (reply.details !== undefined) body.error.details = reply.details;
  return body;
}
