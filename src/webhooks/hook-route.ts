/**
 * POST /api/v1/hooks/:secret: a webhook's URL. Public (the secret is the credential),
 * and what tools that post to Slack send works unchanged: a JSON payload, or a form with
 * the JSON in its `payload` field. Every refusal is a 4xx with the usual error body;
 * unknown, wrong, deleted and stopped hooks all answer the same 404.
 */
import {
  WEBHOOK_BODY_LIMIT_BYTES,
  webhookPayload,
  webhookPostResponse,
  webhookSecretParams,
} from "@private-chat/protocol/webhooks";
import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { PUBLIC } from "../http/openapi.js";
import { parseFormPayload } from "./payload.js";
import type { WebhookService } from "./service.js";

export const HOOK_PATH = "/hooks/:secret";

export async function registerHookRoute(
  root: FastifyInstance,
  webhooks: WebhookService,
): Promise<void> {
  // Its own scope: the form parser below is for this route only.
  await root.register(async (scope) => {
    // JSON, or a form: plain text is no payload (415 rather than a confusing 400).
    scope.removeContentTypeParser("text/plain");
    scope.addContentTypeParser(
      "application/x-www-form-urlencoded",
      { parseAs: "string", bodyLimit: WEBHOOK_BODY_LIMIT_BYTES },
      (_request, raw, done) => {
        try {
          done(null, parseFormPayload(String(raw)));
        } catch (err) {
          done(err as Error, undefined);
        }
      },
    );
    const app = scope.withTypeProvider<ZodTypeProvider>();
    app.post(
      HOOK_PATH,
      {
        bodyLimit: WEBHOOK_BODY_LIMIT_BYTES,
        schema: {
          summary: "Post a message through an incoming webhook",
          description:
            "The URL made by createWebhook; no token. Takes Slack's incoming-webhook payload (`text` in Slack mrkdwn, `blocks`, `attachments`; `username` and `icon_*` are ignored) as JSON, or as `application/x-www-form-urlencoded` with the JSON in `payload`. 64 KiB at most; each hook may post 10 at once, then 1 a second. An unknown, deleted or stopped hook answers 404.",
          operationId: "postWebhook",
          tags: ["integrations"],
          security: PUBLIC,
          params: webhookSecretParams,
          body: webhookPayload,
          response: { 200: webhookPostResponse },
          errors: [404],
        },
      },
      async (request) => {
        const { messageId } = await webhooks.post(request.params.secret, request.body);
        return { ok: true as const, message_id: messageId };
      },
    );
  });
}
