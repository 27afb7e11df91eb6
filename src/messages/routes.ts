/**
 * Messages over REST: send and page through a conversation, edit, delete, react.
 */
import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { caller } from "../auth/authenticate.js";
import {
  editMessageBody,
  historyQuery,
  reactionBody,
  reactionParams,
  sendMessageBody,
} from "../protocol/chat.js";
import { idParams } from "../protocol/rest.js";
import type { MessageService } from "./service.js";

export function registerMessageRoutes(root: FastifyInstance, messages: MessageService): void {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const tags = ["messages"];

  app.post(
    "/conversations/:id/messages",
    { schema: { params: idParams, body: sendMessageBody, tags } },
    async (request, reply) => {
      const result = await messages.send(caller(request).user, request.params.id, request.body);
      reply.code(result.duplicate ? 200 : 201);
      return result.message;
    },
  );

  app.get(
    "/conversations/:id/messages",
    { schema: { params: idParams, querystring: historyQuery, tags } },
    async (request) => ({
      messages: await messages.history(caller(request).user, request.params.id, request.query),
    }),
  );

  app.get("/messages/:id", { schema: { params: idParams, tags } }, async (request) =>
    messages.get(caller(request).user, request.params.id),
  );

  app.patch(
    "/messages/:id",
    { schema: { params: idParams, body: editMessageBody, tags } },
    async (request) => messages.edit(caller(request).user, request.params.id, request.body.body),
  );

  app.delete("/messages/:id", { schema: { params: idParams, tags } }, async (request) =>
    messages.delete(caller(request).user, request.params.id),
  );

  app.post(
    "/messages/:id/reactions",
    { schema: { params: idParams, body: reactionBody, tags } },
    async (request) =>
      messages.react(caller(request).user, request.params.id, request.body.emoji, "added"),
  );

  app.delete(
    "/messages/:id/reactions/:emoji",
    { schema: { params: reactionParams, tags } },
    async (request) =>
      messages.react(caller(request).user, request.params.id, request.params.emoji, "removed"),
  );
}
