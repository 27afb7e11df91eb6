/**
 * The user directory: search by username prefix, look one user up.
 */

import { usersQuery } from "@private-chat/protocol/chat";
import { idParams, userProfileResponse, usersResponse } from "@private-chat/protocol/rest";
import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { caller } from "../auth/authenticate.js";
import { presentUser } from "../auth/present.js";
import type { PresenceLookup } from "../conversations/present.js";
import { notFound } from "../errors.js";
import type { Store } from "../storage/store.js";

/**
 * Whether `viewerId` may see `userId`'s presence: themselves, or a shared conversation
 * that is no message request, and no block between the two either way.
 */
async function seesPresenceOf(store: Store, viewerId: string, userId: string): Promise<boolean> {
  if (viewerId === userId) return true;
  const [shared, blocked] = await Promise.all([
    store.requests.shareAccepted(viewerId, userId),
    store.blocks.between(viewerId, userId),
  ]);
  return shared && !blocked;
}

export function registerUserRoutes(
  root: FastifyInstance,
  store: Store,
  presence: PresenceLookup,
): void {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const tags = ["users"];

  app.get(
    "/users",
    {
      schema: {
        summary: "Find users by username prefix",
        operationId: "listUsers",
        tags,
        querystring: usersQuery,
        response: { 200: usersResponse },
      },
    },
    async (request) => {
      const users = await store.users.list({ prefix: request.query.q, limit: request.query.limit });
      return { users: users.map(presentUser) };
    },
  );

  app.get(
    "/users/:id",
    {
      schema: {
        summary: "One user, with presence when shared",
        operationId: "getUser",
        tags,
        params: idParams,
        response: { 200: userProfileResponse },
        errors: [404],
      },
    },
    async (request) => {
      const user = await store.users.byId(request.params.id);
      if (!user || user.disabled) throw notFound("user");
      // Presence is told only to those who share an accepted conversation, as on the socket.
      const visible = await seesPresenceOf(store, caller(request).user.id, user.id);
      return {
        user: presentUser(user),
        online: visible && presence.isOnline(user.id),
        last_seen_at: visible ? user.lastSeenAt : null,
      };
    },
  );
}
