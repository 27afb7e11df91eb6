/**
 * GET /api/v1/server: what a client needs to know before signing in.
 */

import { serverInfoResponse } from "@private-chat/protocol/rest";
import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import type { RuntimeSettings } from "../admin/runtime-settings.js";
import type { Config } from "../config/schema.js";
import { PRODUCT_NAME, VERSION } from "../version.js";
import { PUBLIC } from "./openapi.js";

export function registerServerInfoRoute(
  root: FastifyInstance,
  config: Config,
  settings: RuntimeSettings,
): void {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const schema = {
    summary: "The server's name, version, registration policy and limits",
    operationId: "getServerInfo",
    tags: ["server"],
    security: PUBLIC,
    response: { 200: serverInfoResponse },
  };
  app.get("/server", { schema }, async () => ({
    name: PRODUCT_NAME,
    version: VERSION,
    registration: settings.registration(),
    max_body_chars: config.messages.max_body_chars,
    retention: { ...settings.retention },
    accounts: { on_delete: config.accounts.on_delete },
    sign_in_providers: config.oidc.providers.map((p) => ({ id: p.id, name: p.name })),
  }));
}
