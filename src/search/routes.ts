/**
 * GET /api/v1/search: full-text search over the messages the caller may read.
 */

import { searchQuery, searchResponse } from "@private-chat/protocol/search";
import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { caller } from "../auth/authenticate.js";
import type { Store } from "../storage/store.js";
import { SearchService } from "./service.js";

export function registerSearchRoutes(root: FastifyInstance, store: Store): void {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const search = new SearchService(store);
  const schema = {
    summary: "Search the messages the caller may read",
    operationId: "searchMessages",
    tags: ["search"],
    querystring: searchQuery,
    response: { 200: searchResponse },
    errors: [404] as const,
  };
  app.get("/search", { schema }, async (request) =>
    search.search(caller(request).user, request.query),
  );
}
