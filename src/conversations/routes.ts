/**
 * /api/v1/conversations: create, list, read, rename, members and roles, read marks.
 */

import type { ConversationView } from "@private-chat/protocol/chat";
import {
  addMembersBody,
  conversationsQuery,
  conversationsResponse,
  conversationView,
  createConversationBody,
  memberParams,
  readBody,
  readResponse,
  updateConversationBody,
  updateMemberBody,
} from "@private-chat/protocol/chat";
import { idParams } from "@private-chat/protocol/rest";
import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { caller } from "../auth/authenticate.js";
import { empty } from "../http/openapi.js";
import type { NotificationService } from "../notifications/service.js";
import type { ConversationService } from "./service.js";

export function registerConversationRoutes(
  root: FastifyInstance,
  conversations: ConversationService,
  notifications: NotificationService,
): void {
  const app = root.withTypeProvider<ZodTypeProvider>();
  // Every conversation answered carries the caller's notification preference.
  const withPrefs = async (userId: string, view: ConversationView) =>
    (await notifications.decorate(userId, [view]))[0] ?? view;
  const tags = ["conversations"];

  app.post(
    "/conversations",
    {
      schema: {
        summary: "Start a direct conversation or create a group",
        description:
          "A direct conversation that already exists is answered with 200. One with someone who shares no conversation with the caller is a message request (`request`: `sent` for the caller, `pending` for the other). Someone who blocked the caller answers 403 `not_accepting`, to a direct conversation and to being added to a group.",
        operationId: "createConversation",
        tags,
        body: createConversationBody,
        response: { 200: conversationView, 201: conversationView },
        errors: [404, 409],
      },
    },
    async (request, reply) => {
      const result = await conversations.create(caller(request).user, request.body);
      reply.code(result.created ? 201 : 200);
      return withPrefs(caller(request).user.id, result.conversation);
    },
  );

  app.get(
    "/conversations",
    {
      schema: {
        summary: "The caller's conversations, a page at a time",
        description:
          "The most recently active first. Follow `next_cursor` (null on the last page) to read them all. Without `limit` a page holds 500; the apps ask for a first page of 50, shown at once, then the rest in pages of 500 (each page may ask for its own `limit`).",
        operationId: "listConversations",
        tags,
        querystring: conversationsQuery,
        response: { 200: conversationsResponse },
      },
    },
    async (request) => {
      const { user } = caller(request);
      const page = await conversations.list(user, request.query);
      return { ...page, conversations: await notifications.decorate(user.id, page.conversations) };
    },
  );

  app.get(
    "/conversations/:id",
    {
      schema: {
        summary: "One conversation",
        operationId: "getConversation",
        tags,
        params: idParams,
        response: { 200: conversationView },
        errors: [404],
      },
    },
    async (request) =>
      withPrefs(
        caller(request).user.id,
        await conversations.get(caller(request).user, request.params.id),
      ),
  );

  app.patch(
    "/conversations/:id",
    {
      schema: {
        summary: "Rename a group, or set who may pin",
        description:
          "Owner and admins only. `members_can_pin` true lets every member pin messages; false (the default) leaves pinning to the owner and admins. Fields left out stay as they are.",
        operationId: "renameConversation",
        tags,
        params: idParams,
        body: updateConversationBody,
        response: { 200: conversationView },
        errors: [404],
      },
    },
    async (request) =>
      withPrefs(
        caller(request).user.id,
        await conversations.update(caller(request).user, request.params.id, request.body),
      ),
  );

  app.post(
    "/conversations/:id/members",
    {
      schema: {
        summary: "Add members to a group",
        description: "Someone who blocked the caller answers 403 `not_accepting`.",
        operationId: "addMembers",
        tags,
        params: idParams,
        body: addMembersBody,
        response: { 200: conversationView },
        errors: [404, 409],
      },
    },
    async (request) =>
      withPrefs(
        caller(request).user.id,
        await conversations.addMembers(
          caller(request).user,
          request.params.id,
          request.body.user_ids,
        ),
      ),
  );

  app.patch(
    "/conversations/:id/members/:user_id",
    {
      schema: {
        summary: "Change a member's role",
        operationId: "setMemberRole",
        tags,
        params: memberParams,
        body: updateMemberBody,
        response: { 200: conversationView },
        errors: [404, 409],
      },
    },
    async (request) =>
      withPrefs(
        caller(request).user.id,
        await conversations.setRole(
          caller(request).user,
          request.params.id,
          request.params.user_id,
          request.body.role,
        ),
      ),
  );

  app.delete(
    "/conversations/:id/members/:user_id",
    {
      schema: {
        summary: "Remove a member, or leave",
        operationId: "removeMember",
        tags,
        params: memberParams,
        response: { 204: empty("Removed") },
        errors: [404, 409],
      },
    },
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
    "/conversations/:id/accept",
    {
      schema: {
        summary: "Accept a message request",
        description:
          "Only the person asked may accept (403 `forbidden` for the one who asked); a declined request may be accepted too. A conversation that is no request answers 409 `conflict`.",
        operationId: "acceptRequest",
        tags,
        params: idParams,
        response: { 200: conversationView },
        errors: [404, 409],
      },
    },
    async (request) =>
      withPrefs(
        caller(request).user.id,
        await conversations.accept(caller(request).user, request.params.id),
      ),
  );

  app.post(
    "/conversations/:id/decline",
    {
      schema: {
        summary: "Decline a message request",
        description:
          "Nothing of the conversation reaches the caller until they accept it after all; the one who asked sees no difference. Only the person asked may decline (403 `forbidden` for the one who asked); a conversation that is no request answers 409 `conflict`.",
        operationId: "declineRequest",
        tags,
        params: idParams,
        response: { 200: conversationView },
        errors: [404, 409],
      },
    },
    async (request) =>
      withPrefs(
        caller(request).user.id,
        await conversations.decline(caller(request).user, request.params.id),
      ),
  );

  app.post(
    "/conversations/:id/read",
    {
      schema: {
        summary: "Mark messages read up to a sequence number",
        operationId: "markRead",
        tags,
        params: idParams,
        body: readBody,
        response: { 200: readResponse },
        errors: [404],
      },
    },
    async (request) => ({
      read_seq: await conversations.markRead(
        caller(request).user,
        request.params.id,
        request.body.seq,
      ),
    }),
  );
}
