/**
 * Incoming webhooks: a URL holding a secret that posts into one conversation. Each hook
 * speaks through a bot account of its own (its display name is the hook's name). The URL
 * is shown once, when the hook is made; afterwards only the hook's name and dates are.
 *
 * What a hook's URL accepts is the payload of Slack's incoming webhooks, so that tools
 * that speak to Slack (CI systems, Alertmanager, Grafana) can point at it unchanged.
 */
import { z } from "zod/mini";
import { userView } from "./rest.js";

export const WEBHOOK_NAME_MAX = 64;
/** Every secret starts with this, so that secret scanners can recognise a leaked URL. */
export const WEBHOOK_SECRET_PREFIX = "whk_";
/** The most bytes a hook's URL accepts in one request. */
export const WEBHOOK_BODY_LIMIT_BYTES = 64 * 1024;

export const createWebhookBody = z.strictObject({
  name: z.string().check(z.minLength(1), z.maxLength(WEBHOOK_NAME_MAX)),
});
export type CreateWebhookBody = z.infer<typeof createWebhookBody>;

export const webhookView = z
  .object({
    id: z.string(),
    conversation_id: z.string(),
    name: z.string(),
    /** The account the hook posts as (`is_bot: true`). */
    bot: userView,
    created_by: z.string(),
    created_at: z.number(),
    last_used_at: z.nullable(z.number()),
    /** False while the hook's creator is no member of the conversation, or is disabled. */
    active: z.boolean(),
  })
  .register(z.globalRegistry, { id: "IncomingWebhook" });
export type WebhookView = z.infer<typeof webhookView>;

/** The one answer that holds the secret URL: `POST /conversations/:id/webhooks`. */
export const createdWebhookResponse = z.extend(webhookView, { url: z.string() });
export type CreatedWebhookResponse = z.infer<typeof createdWebhookResponse>;

export const webhooksResponse = z.object({ webhooks: z.array(webhookView) });
export type WebhooksResponse = z.infer<typeof webhooksResponse>;

export const webhookSecretParams = z.strictObject({
  secret: z.string().check(z.minLength(1), z.maxLength(128)),
});

/**
 * A Slack incoming-webhook payload. Loose: fields Slack knows and this server ignores
 * (`channel`, `unfurl_links`, ...) are accepted and dropped, as Slack-speaking tools send them.
 */
export const webhookPayload = z.looseObject({
  text: z.optional(z.string()),
  /** Ignored: a hook always posts under its own name (see docs/INTEGRATIONS.md). */
  username: z.optional(z.string()),
  icon_url: z.optional(z.string()),
  icon_emoji: z.optional(z.string()),
  /** Block Kit blocks, reduced to text. */
  blocks: z.optional(z.array(z.unknown())),
  /** Legacy attachments, reduced to text. */
  attachments: z.optional(z.array(z.unknown())),
  /** False: `text` is posted as it is, without converting Slack's mrkdwn. */
  mrkdwn: z.optional(z.boolean()),
});
export type WebhookPayload = z.infer<typeof webhookPayload>;

export const webhookPostResponse = z.object({ ok: z.literal(true), message_id: z.string() });
export type WebhookPostResponse = z.infer<typeof webhookPostResponse>;
