/**
 * Turns every failure into `{"error":{"code","message"}}` with the catalogue's status:
 * Fastify's own errors are named here, then error-reply.ts answers as on every surface.
 * Unknown errors become `internal_error`, logged with the request id and never shown.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { hasZodFastifySchemaValidationErrors } from "fastify-type-provider-zod";
import { errorBody, errorReply, invalidInput } from "../error-reply.js";
import { AppError } from "../errors.js";

interface ValidationItem {
  keyword: string;
  instancePath: string;
  message?: string;
  params?: { keys?: string[] };
}

/** Fastify passes zod's issues on as validation items; they are told apart the same way. */
function fromValidation(items: ValidationItem[], context: string | undefined): AppError {
  const issues = items.map((item) => ({
    code: item.keyword,
    path: item.instancePath.split("/").filter((part) => part !== ""),
    message: item.message ?? item.keyword,
    keys: item.params?.keys ?? [],
  }));
  return invalidInput(issues, context ?? "request");
}

/** Fastify's errors as AppErrors; anything else is left to errorReply. */
function fromFastify(error: FastifyError): unknown {
  if (error instanceof AppError) return error;
  if (hasZodFastifySchemaValidationErrors(error)) {
    return fromValidation(error.validation as unknown as ValidationItem[], error.validationContext);
  }
  switch (error.code) {
    case "FST_ERR_CTP_BODY_TOO_LARGE":
      return new AppError(
        "payload_too_large",
        "the request body is larger than this server accepts",
      );
    case "FST_ERR_CTP_INVALID_MEDIA_TYPE":
      return new AppError("unsupported_media_type", "send the request body as application/json");
    case "FST_ERR_CTP_EMPTY_JSON_BODY":
      return new AppError("invalid_json", "the request body is empty; send a JSON object");
    case "FST_ERR_CTP_INVALID_JSON_BODY":
      return new AppError("invalid_json", "the request body is not valid JSON");
    case "FST_ERR_BAD_URL":
      return new AppError("invalid_request", "the request path is not valid percent-encoded UTF-8");
  }
  if (error instanceof SyntaxError || (error.statusCode === 400 && /JSON/i.test(error.message))) {
    return new AppError("invalid_json", "the request body is not valid JSON");
  }
  if (error.statusCode === 429) return new AppError("rate_limited", "too many requests; slow down");
  if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
    return new AppError("invalid_request", error.message);
  }
  return error;
}

/** Answers a failure with its catalogue body; anything unknown is logged as internal_error. */
function sendError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const known = errorReply(fromFastify(error));
  if (known.unexpected) request.log.error({ err: error }, "unhandled error");
  else if (known.status >= 500)
    request.log.warn({ code: known.code, err: error.message }, "request failed");
  if (known.retryAfterSeconds !== undefined)
    reply.header("retry-after", String(known.retryAfterSeconds));
  reply.code(known.status).send(errorBody(known));
}

/**
 * Fastify's `frameworkErrors` option: what it refuses before any route or hook runs (a
 * path that does not decode) gets the same answer as every other failure.
 */
export const frameworkErrors = sendError;

export function installErrorHandlers(app: FastifyInstance): void {
  app.setErrorHandler(sendError);

  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split("?")[0];
    reply
      .code(404)
      .send({ error: { code: "not_found", message: `no route for ${request.method} ${path}` } });
  });
}
