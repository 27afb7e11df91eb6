/**
 * Web Push on the wire: the server's VAPID key, the subscriptions a browser registers
 * (`PushSubscription.toJSON()`), and the payload a service worker receives, which the
 * server encrypts for the subscription (RFC 8291) and never exceeds 3 KB.
 */
import { z } from "zod/mini";

/** The longest endpoint URL the server accepts. */
export const MAX_PUSH_ENDPOINT = 2048;
/** Subscriptions one user may hold; a new one past this replaces their oldest. */
export const MAX_PUSH_SUBSCRIPTIONS = 10;
/** The most bytes a push payload takes, as JSON, before encryption. */
export const MAX_PUSH_PAYLOAD_BYTES = 3072;
/** How much of a message's text a push carries. */
export const PUSH_TEXT_CHARS = 200;

export const pushKeyResponse = z.object({
  /** The VAPID public key: base64url of the uncompressed P-256 point (65 bytes). */
  public_key: z.string(),
});
export type PushKeyResponse = z.infer<typeof pushKeyResponse>;

// base64url, as the browser writes the keys.
const base64url = (max: number) =>
  z.string().check(z.minLength(1), z.maxLength(max), z.regex(/^[A-Za-z0-9_-]+={0,2}$/));

export const pushSubscriptionBody = z.strictObject({
  endpoint: z.string().check(z.minLength(1), z.maxLength(MAX_PUSH_ENDPOINT)),
  /** Browsers send it (usually null); the server does not use it. */
  expirationTime: z.optional(z.nullable(z.number())),
  keys: z.strictObject({
    /** The subscription's P-256 public key, uncompressed (65 bytes). */
    p256dh: base64url(128),
    /** The 16-byte authentication secret. */
    auth: base64url(64),
  }),
});
export type PushSubscriptionBody = z.infer<typeof pushSubscriptionBody>;

export const pushSubscriptionView = z
  .object({
    id: z.string(),
    endpoint: z.string(),
    created_at: z.number(),
  })
  .register(z.globalRegistry, { id: "PushSubscription" });
export type PushSubscriptionView = z.infer<typeof pushSubscriptionView>;

export const pushSubscriptionsResponse = z.object({
  subscriptions: z.array(pushSubscriptionView),
});
export type PushSubscriptionsResponse = z.infer<typeof pushSubscriptionsResponse>;

/** A new message for the subscriber. `text` and `sender_name` are left out with `[push] include_content = false`. */
export const pushMessagePayload = z.object({
  type: z.literal("message"),
  conversation_id: z.string(),
  /** The group's title, or the other person's display name in a direct conversation. */
  title: z.string(),
  sender_name: z.optional(z.string()),
  message_id: z.string(),
  seq: z.number(),
  /** The first 200 characters of the message. */
  text: z.optional(z.string()),
});

/** The subscriber read the conversation elsewhere: close its notifications. */
export const pushReadPayload = z.object({
  type: z.literal("read"),
  conversation_id: z.string(),
  seq: z.number(),
});

/** A test notification the person asked for (`POST /push/subscriptions/:id/test`). */
export const pushTestPayload = z.object({
  type: z.literal("test"),
  title: z.string(),
  text: z.string(),
});

export const pushPayload = z.discriminatedUnion("type", [
  pushMessagePayload,
  pushReadPayload,
  pushTestPayload,
]);
export type PushPayload = z.infer<typeof pushPayload>;
