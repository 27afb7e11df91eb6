/**
 * The OpenAPI document of the REST API, generated from the same zod schemas the routes
 * validate requests and serialise responses with, and served at /api/v1/openapi.json.
 * Routes declare their success responses and the errors particular to them (`errors`);
 * the errors every route of its kind can answer are added here, once.
 */
import swagger from "@fastify/swagger";
import type { FastifyInstance } from "fastify";
import { jsonSchemaTransform, jsonSchemaTransformObject } from "fastify-type-provider-zod";
import { z } from "zod";
import { VERSION } from "../version.js";

type Transformed = ReturnType<typeof jsonSchemaTransform>;
type TransformInput = Parameters<typeof jsonSchemaTransform>[0];
type JsonObject = Record<string, unknown>;

/** The statuses of `{"error":...}` answers, each described once. */
const ERROR_STATUSES = {
  400: "The request is malformed: invalid JSON, fields, parameters or query.",
  401: "No valid bearer token: missing, expired or revoked.",
  403: "The caller may not do this.",
  404: "No such resource, or the caller may not see it.",
  408: "The request body did not arrive in time.",
  409: "The request conflicts with the current state.",
  410: "Gone: the cursor is older than the event log keeps (`cursor_expired`: reload, then go on from the newest cursor), or the other person of the direct conversation deleted their account (`account_deleted`).",
  412: "A condition of the request (If-Match, If-None-Match) no longer holds: the resource was made or changed meanwhile (`precondition_failed`).",
  413: "The body, file or storage quota is too large.",
  415: "The body is not of a type this endpoint accepts.",
  416: "The requested byte range is outside the file.",
  422: "The file claims to be an image but cannot be decoded, or the push endpoint is refused.",
  429: "Too many requests; retry after the `retry-after` header's seconds.",
  500: "An internal error; retry later.",
  503: "The database is unavailable, the server is restarting, or it is too busy for the request (image work); retry shortly, after Retry-After when given.",
} as const;
export type ErrorStatus = keyof typeof ERROR_STATUSES;

const SUCCESS_DESCRIPTIONS: Record<string, string> = {
  200: "OK",
  201: "Created",
  206: "Partial content",
};

declare module "fastify" {
  interface FastifySchema {
    /** Error statuses particular to this route (the common ones are added for it). */
    errors?: readonly ErrorStatus[];
  }
}

/** `security` of an operation that needs no token. */
export const PUBLIC: readonly { [scheme: string]: readonly string[] }[] = [];
const BEARER = [{ bearer: [] as string[] }];

/** A response with a body that is not JSON (a file, a thumbnail, metrics text). */
export function bytes(description: string, mediaType: string) {
  return {
    description,
    content: { [mediaType]: { schema: z.string().meta({ format: "binary" }) } },
  };
}

/** A response without a body (204 No Content, 304 Not Modified). */
export function empty(description: string) {
  return z.undefined().describe(description);
}

const BODY_METHODS = new Set(["POST", "PATCH", "PUT", "DELETE"]);

/** The error statuses a route can answer whatever it does, by where it sits and its method. */
function commonErrors(input: TransformInput, isPublic: boolean): ErrorStatus[] {
  const methods = [input.route.method].flat().map(String);
  const api = input.url.startsWith("/api/");
  // Any query or parameter may be refused (invalid, or unsafe text) before a handler runs.
  const statuses: ErrorStatus[] = [400, 500, 503];
  if (api) statuses.push(429);
  // Signed in but disabled is a 403 from the authentication itself.
  if (!isPublic) statuses.push(401, 403);
  if (api && methods.some((m) => BODY_METHODS.has(m))) statuses.push(408, 413, 415);
  return statuses;
}

function errorResponse(status: ErrorStatus): JsonObject {
  return {
    description: ERROR_STATUSES[status],
    content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
  };
}

/**
 * Adds what the zod transform leaves out: per-operation security, the error responses and,
 * for a streamed upload (which declares no body schema), the multipart body clients send.
 */
function complete(input: TransformInput, output: Transformed): Transformed {
  const schema = output.schema as JsonObject | undefined;
  if (!schema || schema.hide === true) return output;
  const { errors, ...rest } = schema as JsonObject & { errors?: ErrorStatus[] };
  const security = (rest.security as unknown[] | undefined) ?? BEARER;
  const isPublic = security.length === 0;
  const response: JsonObject = {};
  for (const [status, body] of Object.entries((rest.response ?? {}) as JsonObject)) {
    const described = body as JsonObject;
    response[status] =
      described.description === undefined && SUCCESS_DESCRIPTIONS[status] !== undefined
        ? { ...described, description: SUCCESS_DESCRIPTIONS[status] }
        : described;
  }
  const statuses = new Set([...commonErrors(input, isPublic), ...(errors ?? [])]);
  for (const status of [...statuses].sort()) response[status] ??= errorResponse(status);
  const completed: JsonObject = { ...rest, security, response };
  if (input.route.config?.streamingUpload === true) {
    completed.consumes = ["multipart/form-data"];
    completed.body = {
      type: "object",
      required: ["file"],
      properties: {
        file: { type: "string", format: "binary", description: "the file; one part" },
      },
    };
  }
  return { ...output, schema: completed } as Transformed;
}

/** Drops component schemas no operation refers to (zod emits every registered one twice). */
function withoutUnusedComponents<T extends JsonObject>(document: T): T {
  const components = document.components as { schemas?: Record<string, unknown> } | undefined;
  const schemas = components?.schemas;
  if (!schemas) return document;
  const used = new Set<string>();
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(visit);
    else if (value !== null && typeof value === "object") {
      for (const [key, child] of Object.entries(value)) {
        if (key === "$ref" && typeof child === "string") {
          const name = child.replace("#/components/schemas/", "");
          if (!used.has(name)) {
            used.add(name);
            visit(schemas[name]);
          }
        } else visit(child);
      }
    }
  };
  visit(document.paths);
  const kept = Object.fromEntries(Object.entries(schemas).filter(([name]) => used.has(name)));
  return { ...document, components: { ...components, schemas: kept } };
}

const TAGS = [
  { name: "auth", description: "Accounts, sign-in, sessions and socket tickets" },
  {
    name: "conversations",
    description: "Direct and group conversations, message requests, members, read marks",
  },
  { name: "messages", description: "Sending, paging, editing, deleting and reacting" },
  { name: "threads", description: "Threads: their replies, following them, read positions" },
  { name: "attachments", description: "Uploading and downloading files" },
  { name: "blocks", description: "Blocking people" },
  { name: "users", description: "The user directory" },
  { name: "devices", description: "Devices and MLS key packages of end-to-end encryption" },
  {
    name: "key-backup",
    description: "The key backup of end-to-end encryption: the wrapped key and encrypted history",
  },
  { name: "sync", description: "Events missed since a cursor" },
  { name: "search", description: "Full-text message search" },
  { name: "push", description: "Web Push: the server's key and browsers' subscriptions" },
  { name: "notifications", description: "Notification levels, mutes and do-not-disturb hours" },
  { name: "integrations", description: "Personal access tokens, bots and webhooks" },
  { name: "admin", description: "Administration: accounts, invites, sessions, audit log" },
  { name: "server", description: "What a client needs before signing in; this document" },
  { name: "ops", description: "Health, status and metrics for operators" },
];

/** Must be registered before the routes it describes. */
export async function registerOpenApi(app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: "3.1.0",
      info: {
        title: "Private Chat REST API",
        version: VERSION,
        description:
          'Errors are {"error":{"code","message"}}; see docs/API.md for the codes. ' +
          "Real-time events travel over the WebSocket at /socket (docs/PROTOCOL.md).",
        license: { name: "MIT", url: "https://opensource.org/licenses/MIT" },
      },
      // Paths are absolute from the server's root, whatever host or proxy serves it.
      servers: [{ url: "/", description: "this server" }],
      tags: TAGS,
      components: {
        securitySchemes: { bearer: { type: "http", scheme: "bearer", bearerFormat: "JWT" } },
      },
    },
    transform: (input) => complete(input, jsonSchemaTransform(input)),
    transformObject: (input) =>
      withoutUnusedComponents(jsonSchemaTransformObject(input) as unknown as JsonObject),
  });
}

export function registerOpenApiRoute(app: FastifyInstance): void {
  app.get(
    "/openapi.json",
    {
      // Fetched by tools and tests alike; it is the same for every caller.
      config: { rateLimit: false },
      schema: {
        summary: "This OpenAPI document",
        operationId: "getOpenApiDocument",
        tags: ["server"],
        security: PUBLIC,
        response: {
          200: z
            .looseObject({ openapi: z.string() })
            .describe("The OpenAPI 3.0 document of this API"),
        },
      },
    },
    async () => app.swagger(),
  );
}
