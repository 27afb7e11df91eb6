/**
 * /api/v1/conversations/:id/webhooks and /api/v1/webhooks/:id: a group's incoming
 * webhooks, for its members (signed in). The hooks' own URLs are in hook-route.ts.
 */
import { idParams } from "@private-chat/protocol/rest";
import {
  createdWebhookResponse,
  createWebhookBody,
  type WebhookView,
  webhooksResponse,
} from "@private-chat/protocol/webhooks";
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { caller } from "../auth/authenticate.js";
import { presentUser } from "../auth/present.js";
import { empty } from "../http/openapi.js";
import { HOOK_PATH } from "./hook-route.js";
import type { HookWithState, WebhookService } from "./service.js";

export function presentWebhook({ hook, bot, active }: HookWithState): WebhookView {
  return {
    id: hook.id,
    conversation_id: hook.conversationId,
    name: hook.name,
    bot: presentUser(bot),
    created_by: hook.createdBy,
    created_at: hook.createdAt,
    last_used_at: hook.lastUsedAt,
    active,
  };
}

/**
 * The hook's URL, from the address the caller reached this server at: there is no
 * public-URL setting, and behind a proxy `[server] trust_proxy` makes this the outside one.
 */
function hookUrl(request: FastifyRequest, secret: string): string {
  return `${request.protocol}://${request.host}/api/v1${HOOK_PATH.replace(":secret", secret)}`;
}

export function registerWebhookRoutes(root: FastifyInstance, webhooks: WebhookService): void {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const tags = ["integrations"];

  app.post(
    "/conversations/:id/webhooks",
    {
      schema: {
        summary: "Make an incoming webhook for a group",
        description:
          "Any member may. The hook gets a bot account of its own, named after it, which joins the group. The answer's `url` holds the secret and is shown this once; POST a Slack-style payload to it (docs/INTEGRATIONS.md).",
        operationId: "createWebhook",
        tags,
        params: idParams,
        body: createWebhookBody,
        response: { 201: createdWebhookResponse },
        errors: [403, 404, 409],
      },
    },
    async (request, reply) => {
      const { hook, secret } = await webhooks.create(
        caller(request).user,
        request.params.id,
        request.body.name,
      );
      reply.code(201);
      return { ...presentWebhook(hook), url: hookUrl(request, secret) };
    },
  );

  app.get(
    "/conversations/:id/webhooks",
    {
      schema: {
        summary: "List a group's incoming webhooks",
        description: "Without their URLs, which are shown only when a hook is made.",
        operationId: "listWebhooks",
        tags,
        params: idParams,
        response: { 200: webhooksResponse },
        errors: [404],
      },
    },
    async (request) => ({
      webhooks: (await webhooks.list(caller(request).user, request.params.id)).map(presentWebhook),
    }),
  );

  app.delete(
    "/webhooks/:id",
    {
      schema: {
        summary: "Delete an incoming webhook",
        description:
          "Any member of its group may. Its URL answers 404 from then on, and its bot account is deleted (it leaves the group; its messages go as `[accounts] on_delete` says).",
        operationId: "deleteWebhook",
        tags,
        params: idParams,
        response: { 204: empty("Deleted") },
        errors: [404],
      },
    },
    async (request, reply) => {
      await webhooks.remove(caller(request).user, request.params.id);
      reply.code(204);
    },
  );
}
