/**
 * The OpenAPI document of the REST API, generated from the same zod schemas the routes
 * validate with, and served at /api/v1/openapi.json.
 */
import swagger from "@fastify/swagger";
import type { FastifyInstance } from "fastify";
import { jsonSchemaTransform, jsonSchemaTransformObject } from "fastify-type-provider-zod";
import { VERSION } from "../version.js";

type Transformed = ReturnType<typeof jsonSchemaTransform>;

/**
 * An upload route reads its multipart body as a stream, so it declares no body schema to
 * validate; the document still has to tell clients what to send.
 */
function withUploadBody(
  input: Parameters<typeof jsonSchemaTransform>[0],
  output: Transformed,
): Transformed {
  if (input.route.config?.streamingUpload !== true) return output;
  return {
    ...output,
    schema: {
      ...output.schema,
      consumes: ["multipart/form-data"],
      body: {
        type: "object",
        required: ["file"],
        properties: {
          file: { type: "string", format: "binary", description: "the file; one part" },
        },
      },
    },
  };
}

/** Must be registered before the routes it describes. */
export async function registerOpenApi(app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: "3.0.3",
      info: {
        title: "Private Chat REST API",
        version: VERSION,
        description: 'Errors are {"error":{"code","message"}}; see docs/API.md for the codes.',
      },
      components: {
        securitySchemes: { bearer: { type: "http", scheme: "bearer", bearerFormat: "JWT" } },
      },
      security: [{ bearer: [] }],
    },
    transform: (input) => withUploadBody(input, jsonSchemaTransform(input)),
    transformObject: jsonSchemaTransformObject,
  });
}

export function registerOpenApiRoute(app: FastifyInstance): void {
  app.get("/openapi.json", { schema: { hide: true } }, async () => app.swagger());
}
