/**
 * GET /api/v1/server: what a client needs to know before signing in.
 */
import type { FastifyInstance } from "fastify";
import type { Config } from "../config/schema.js";
import { VERSION } from "../version.js";

export function registerServerInfoRoute(app: FastifyInstance, config: Config): void {
  app.get("/server", { schema: { tags: ["server"] } }, async () => ({
    name: "Private Chat",
    version: VERSION,
    registration: config.auth.registration,
    max_body_chars: config.messages.max_body_chars,
  }));
}
