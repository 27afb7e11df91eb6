/**
 * GET /api/v1/sync?since=<cursor>: the REST twin of the socket's sync frame.
 */
import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { caller } from "../auth/authenticate.js";
import { syncQuery } from "../protocol/chat.js";
import { eventObject, type SyncService } from "./service.js";

export function registerSyncRoutes(root: FastifyInstance, sync: SyncService): void {
  const app = root.withTypeProvider<ZodTypeProvider>();
  app.get("/sync", { schema: { querystring: syncQuery, tags: ["sync"] } }, async (request) => {
    const page = await sync.since(
      caller(request).user.id,
      request.query.since,
      request.query.limit,
    );
    return { events: page.events.map(eventObject), cursor: page.cursor, has_more: page.hasMore };
  });
}
