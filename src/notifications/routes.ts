/**
 * Notification preferences: per conversation (/conversations/{id}/notifications) and the
 * caller's do-not-disturb hours (/me/notifications).
 */
import {
  conversationNotifications,
  conversationNotificationsBody,
  userNotifications,
  userNotificationsBody,
} from "@private-chat/protocol/notifications";
import { idParams } from "@private-chat/protocol/rest";
import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { caller } from "../auth/authenticate.js";
import type { NotificationService } from "./service.js";

export function registerNotificationRoutes(
  root: FastifyInstance,
  notifications: NotificationService,
): void {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const tags = ["notifications"];

  app.get(
    "/conversations/:id/notifications",
    {
      schema: {
        summary: "The caller's notification preference of a conversation",
        description:
          "`is_default` is true while the caller chose no level: direct conversations and groups of up to 25 members default to `all`, larger groups to `mentions`, following the member count as it changes.",
        operationId: "getConversationNotifications",
        tags,
        params: idParams,
        response: { 200: conversationNotifications },
        errors: [404],
      },
    },
    async (request) => notifications.get(caller(request).user, request.params.id),
  );

  app.put(
    "/conversations/:id/notifications",
    {
      schema: {
        summary: "Set the caller's notification preference of a conversation",
        description:
          "A field left out stays as it was. `level`: `all`, `mentions` (only messages that @mention the caller) or `none`; null goes back to the default. `muted_until` (ms since the epoch): nothing of the conversation is pushed until then; 8640000000000000 mutes until unmuted; null or a past time unmutes. The caller's other devices get a `notifications.updated` event.",
        operationId: "setConversationNotifications",
        tags,
        params: idParams,
        body: conversationNotificationsBody,
        response: { 200: conversationNotifications },
        errors: [404],
      },
    },
    async (request) => notifications.put(caller(request).user, request.params.id, request.body),
  );

  app.get(
    "/me/notifications",
    {
      schema: {
        summary: "The caller's do-not-disturb hours",
        operationId: "getMyNotifications",
        tags,
        response: { 200: userNotifications },
      },
    },
    async (request) => notifications.settings(caller(request).user),
  );

  app.put(
    "/me/notifications",
    {
      schema: {
        summary: "Set the caller's do-not-disturb hours",
        description:
          "`dnd`: from `start` to `end` (HH:MM, `end` excluded) every day in `time_zone` (an IANA name such as Europe/Berlin; anything else is 400). A span may pass midnight (22:00 to 07:00); equal times mean all day. null turns it off. No push is sent during these hours. The caller's other devices get a `dnd.updated` event.",
        operationId: "setMyNotifications",
        tags,
        body: userNotificationsBody,
        response: { 200: userNotifications },
      },
    },
    async (request) => notifications.putSettings(caller(request).user, request.body),
  );
}
