/**
 * GET /api/v1/sync?since=<cursor>: the REST twin of the socket's sync frame.
 */
import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { caller } from "../auth/authenticate.js";
import { type StoredEventView, syncQuery, syncResponse } from "../protocol/chat.js";
import { eventObject, type SyncService } from "./service.js";

export function registerSyncRoutes(root: FastifyInstance, sync: SyncService): void {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const schema = {
    summary: "Events the caller missed since a cursor",
    operationId: "sync",
    tags: ["sync"],
    querystring: syncQuery,
    response: { 200: syncResponse },
  };
  app.get("/sync", { schema }, async (request) => {
    const page = await sync.since(
      caller(request).user.id,
      request.query.since,
      request.query.limit,
    );
    // The log holds only events this server wrote from the same views.
    const events = page.events.map(eventObject) as StoredEventView[];
    return { events, cursor: page.cursor, has_more: page.hasMore };
  });
}
