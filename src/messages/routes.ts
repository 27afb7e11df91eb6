/**
 * Messages over REST: send and page through a conversation, edit (and read the earlier
 * versions), delete, react. Threads have their own routes (thread-routes.ts).
 */

import {
  editMessageBody,
  historyQuery,
  messagesResponse,
  messageVersionsResponse,
  messageView,
  reactionBody,
  reactionParams,
  sendMessageBody,
} from "@private-chat/protocol/chat";
import { idParams } from "@private-chat/protocol/rest";
import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { caller } from "../auth/authenticate.js";
import type { MessageService } from "./service.js";

export function registerMessageRoutes(root: FastifyInstance, messages: MessageService): void {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const tags = ["messages"];

  app.post(
    "/conversations/:id/messages",
    {
      schema: {
        summary: "Send a message",
        description: "A repeated client_id answers the earlier message with 200.",
        operationId: "sendMessage",
        tags,
        params: idParams,
        body: sendMessageBody,
        response: { 200: messageView, 201: messageView },
        errors: [404, 410],
      },
    },
    async (request, reply) => {
      const result = await messages.send(caller(request).user, request.params.id, request.body);
      reply.code(result.duplicate ? 200 : 201);
      return result.message;
    },
  );

  app.get(
    "/conversations/:id/messages",
    {
      schema: {
        summary: "Page through a conversation's messages",
        operationId: "listMessages",
        tags,
        params: idParams,
        querystring: historyQuery,
        response: { 200: messagesResponse },
        errors: [404],
      },
    },
    async (request) => ({
      messages: await messages.history(caller(request).user, request.params.id, request.query),
    }),
  );

  app.get(
    "/messages/:id",
    {
      schema: {
        summary: "One message",
        operationId: "getMessage",
        tags,
        params: idParams,
        response: { 200: messageView },
        errors: [404],
      },
    },
    async (request) => messages.get(caller(request).user, request.params.id),
  );

  app.get(
    "/messages/:id/versions",
    {
      schema: {
        summary: "A message's earlier versions",
        description:
          "The bodies an edited message had before, oldest first, each with the time it was written (the send time for the original). The current body is the message's own. Empty for a message never edited, and for a deleted one.",
        operationId: "listMessageVersions",
        tags,
        params: idParams,
        response: { 200: messageVersionsResponse },
        errors: [404],
      },
    },
    async (request) => ({
      versions: await messages.versions(caller(request).user, request.params.id),
    }),
  );

  app.patch(
    "/messages/:id",
    {
      schema: {
        summary: "Edit one's own message",
        operationId: "editMessage",
        tags,
        params: idParams,
        body: editMessageBody,
        response: { 200: messageView },
        errors: [404, 409],
      },
    },
    async (request) => messages.edit(caller(request).user, request.params.id, request.body.body),
  );

  app.delete(
    "/messages/:id",
    {
      schema: {
        summary: "Delete a message (leaves a tombstone)",
        operationId: "deleteMessage",
        tags,
        params: idParams,
        response: { 200: messageView },
        errors: [404],
      },
    },
    async (request) => messages.delete(caller(request).user, request.params.id),
  );

  app.post(
    "/messages/:id/reactions",
    {
      schema: {
        summary: "React to a message",
        operationId: "addReaction",
        tags,
        params: idParams,
        body: reactionBody,
        response: { 200: messageView },
        errors: [404, 409],
      },
    },
    async (request) =>
      messages.react(caller(request).user, request.params.id, request.body.emoji, "added"),
  );

  app.delete(
    "/messages/:id/reactions/:emoji",
    {
      schema: {
        summary: "Take back one's reaction",
        operationId: "removeReaction",
        tags,
        params: reactionParams,
        response: { 200: messageView },
        errors: [404, 409],
      },
    },
    async (request) =>
      messages.react(caller(request).user, request.params.id, request.params.emoji, "removed"),
  );
}
