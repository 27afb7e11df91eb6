/**
 * /api/v1/conversations: create, list, read, rename, members and roles, read marks.
 */
import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { caller } from "../auth/authenticate.js";
import {
  addMembersBody,
  createConversationBody,
  memberParams,
  readBody,
  updateConversationBody,
  updateMemberBody,
} from "../protocol/chat.js";
import { idParams } from "../protocol/rest.js";
import type { ConversationService } from "./service.js";

export function registerConversationRoutes(
  root: FastifyInstance,
  conversations: ConversationService,
): void {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const tags = ["conversations"];

  app.post(
    "/conversations",
    { schema: { body: createConversationBody, tags } },
    async (request, reply) => {
      const result = await conversations.create(caller(request).user, request.body);
      reply.code(result.created ? 201 : 200);
      return result.conversation;
    },
  );

  app.get("/conversations", { schema: { tags } }, async (request) => ({
    conversations: await conversations.list(caller(request).user),
  }));

  app.get("/conversations/:id", { schema: { params: idParams, tags } }, async (request) =>
    conversations.get(caller(request).user, request.params.id),
  );

  app.patch(
    "/conversations/:id",
    { schema: { params: idParams, body: updateConversationBody, tags } },
    async (request) =>
      conversations.rename(caller(request).user, request.params.id, request.body.title),
  );

  app.post(
    "/conversations/:id/members",
    { schema: { params: idParams, body: addMembersBody, tags } },
    async (request) =>
      conversations.addMembers(caller(request).user, request.params.id, request.body.user_ids),
  );

  app.patch(
    "/conversations/:id/members/:user_id",
    { schema: { params: memberParams, body: updateMemberBody, tags } },
    async (request) =>
      conversations.setRole(
        caller(request).user,
        request.params.id,
        request.params.user_id,
        request.body.role,
      ),
  );

  app.delete(
    "/conversations/:id/members/:user_id",
    { schema: { params: memberParams, tags } },
    async (request, reply) => {
      await conversations.removeMember(
        caller(request).user,
        request.params.id,
        request.params.user_id,
      );
      reply.code(204);
    },
  );

  app.post(
    "/conversations/:id/read",
    { schema: { params: idParams, body: readBody, tags } },
    async (request) => ({
      read_seq: await conversations.markRead(
        caller(request).user,
        request.params.id,
        request.body.seq,
      ),
    }),
  );
}
