/**
 * The user directory: search by username prefix, look one user up.
 */
import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { presentUser } from "../auth/present.js";
import type { PresenceLookup } from "../conversations/present.js";
import { notFound } from "../errors.js";
import { usersQuery } from "../protocol/chat.js";
import { idParams } from "../protocol/rest.js";
import type { Store } from "../storage/store.js";

export function registerUserRoutes(
  root: FastifyInstance,
  store: Store,
  presence: PresenceLookup,
): void {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const tags = ["users"];

  app.get("/users", { schema: { querystring: usersQuery, tags } }, async (request) => {
    const users = await store.users.list({ prefix: request.query.q, limit: request.query.limit });
    return { users: users.map(presentUser) };
  });

  app.get("/users/:id", { schema: { params: idParams, tags } }, async (request) => {
    const user = await store.users.byId(request.params.id);
    if (!user || user.disabled) throw notFound("user");
    return {
      user: presentUser(user),
      online: presence.isOnline(user.id),
      last_seen_at: user.lastSeenAt,
    };
  });
}
