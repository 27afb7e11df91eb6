/**
 * GET /api/v1/sync?since=<cursor>: the REST twin of the socket's sync frame.
 */

import { syncQuery } from "@private-chat/protocol/chat";
import { syncResponse } from "@private-chat/protocol/events";
import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { caller } from "../auth/authenticate.js";
import { loggedEventFrame } from "../realtime/frames.js";
import type { SyncService } from "./service.js";

export function registerSyncRoutes(root: FastifyInstance, sync: SyncService): void {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const schema = {
    summary: "Events the caller missed since a cursor",
    description:
      "A cursor older than the event log keeps (`[events] retention_days`) answers 410 `cursor_expired`: load the conversations afresh and go on from the newest cursor.",
    operationId: "sync",
    tags: ["sync"],
    querystring: syncQuery,
    response: { 200: syncResponse },
    errors: [410],
  } as const;
  app.get("/sync", { schema }, async (request, reply) => {
    const page = await sync.since(
      caller(request).user.id,
      request.query.since,
      request.query.limit,
    );
    // The log holds each event as the JSON this server wrote from the same views (the
    // Event schema): spliced in as stored with its cursor, exactly as the socket sends
    // them, rather than parsed and serialised again.
    const events = page.events.map((e) => loggedEventFrame(e.payload, e.id)).join(",");
    const body = `{"events":[${events}],"cursor":${page.cursor},"has_more":${page.hasMore}}`;
    return reply.type("application/json; charset=utf-8").send(body as never);
  });
}
