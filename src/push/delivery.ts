/**
 * Sends one queued push: encrypts the payload for the subscription (RFC 8291,
 * `aes128gcm`) and signs the VAPID header (RFC 8292) with web-push, then sends the
 * request itself through the guarded client, so the address checks apply to every
 * attempt. Returns what the queue should do next.
 */
import webpush from "web-push";
import { type GuardedFetch, OutboundError } from "../outbound/guarded-fetch.js";
import type { PushSubscriptionRow, QueuedPush } from "../storage/push.js";
import type { VapidKeys } from "./vapid-keys.js";

export type FailureReason =
  | "gone"
  | "rejected"
  | "redirect"
  | "rate_limited"
  | "server_error"
  | "timeout"
  | "network"
  | "forbidden_address"
  | "invalid_subscription"
  | "session_ended"
  | "gave_up";

export type Outcome =
  | { kind: "sent" }
  /** Retry later: not before `retryAfterMs` when the push service said so. */
  | { kind: "retry"; reason: FailureReason; retryAfterMs?: number }
  /** Drop this push; with `dropSubscription`, the subscription too. */
  | { kind: "drop"; reason: FailureReason; dropSubscription: boolean };

export interface DeliveryOptions {
  keys: VapidKeys;
  subject: string;
  ttlSeconds: number;
}

/** How long a signed VAPID header is valid (RFC 8292 allows up to 24 h) and reused. */
const VAPID_VALID_S = 12 * 3600;
const VAPID_REUSE_MS = 60 * 60_000;
/** Push service origins remembered at once; a push service is one of a handful of origins. */
const VAPID_ORIGINS = 1_000;

/**
 * The VAPID `Authorization` header per push service origin. The JWT names only the
 * origin (`aud`), its expiry and our contact, so one signature serves every push to that
 * origin for an hour: signing is what a push cost most.
 */
export class VapidHeaders {
  private readonly byOrigin = new Map<string, { value: string; renewAt: number }>();

  constructor(private readonly options: Pick<DeliveryOptions, "keys" | "subject">) {}

  for(endpoint: string, now = Date.now()): string {
    const origin = new URL(endpoint).origin;
    const cached = this.byOrigin.get(origin);
    if (cached && cached.renewAt > now) return cached.value;
    const { Authorization } = webpush.getVapidHeaders(
      origin,
      this.options.subject,
      this.options.keys.publicKey,
      this.options.keys.privateKey,
      "aes128gcm",
      Math.floor(now / 1000) + VAPID_VALID_S,
    );
    if (this.byOrigin.size >= VAPID_ORIGINS) this.byOrigin.clear();
    this.byOrigin.set(origin, { value: Authorization, renewAt: now + VAPID_REUSE_MS });
    return Authorization;
  }
}

/** Retry-After as seconds or an HTTP date, in milliseconds from now. */
export function retryAfterMs(
  value: string | string[] | undefined,
  now = Date.now(),
): number | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  if (!text) return undefined;
  if (/^\d+$/.test(text.trim())) return Number(text.trim()) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

export async function deliver(
  guard: GuardedFetch,
  options: DeliveryOptions,
  vapid: VapidHeaders,
  push: QueuedPush,
  subscription: PushSubscriptionRow,
): Promise<Outcome> {
  let details: ReturnType<typeof webpush.generateRequestDetails>;
  let authorization: string;
  try {
    authorization = vapid.for(subscription.endpoint);
    // No vapidDetails: web-push would sign afresh for every push.
    details = webpush.generateRequestDetails(
      {
        endpoint: subscription.endpoint,
        keys: { p256dh: subscription.p256dh, auth: subscription.auth },
      },
      push.payload,
      {
        TTL: options.ttlSeconds,
        urgency: push.urgency as webpush.Urgency,
        topic: push.topic,
        contentEncoding: "aes128gcm",
      },
    );
  } catch {
    // Keys the browser never made (not a P-256 point, a wrong-sized secret).
    return { kind: "drop", reason: "invalid_subscription", dropSubscription: true };
  }
  const headers: Record<string, string | number> = { Authorization: authorization };
  for (const [name, value] of Object.entries(details.headers))
    headers[name] = value as string | number;
  try {
    const response = await guard.send(details.endpoint, {
      method: "POST",
      headers,
      body: details.body ?? undefined,
    });
    const status = response.status;
    if (status >= 200 && status < 300) return { kind: "sent" };
    if (status === 404 || status === 410)
      return { kind: "drop", reason: "gone", dropSubscription: true };
    const after = retryAfterMs(response.headers["retry-after"]);
    const retry = (reason: FailureReason): Outcome =>
      after === undefined
        ? { kind: "retry", reason }
        : { kind: "retry", reason, retryAfterMs: after };
    if (status === 429) return retry("rate_limited");
    if (status >= 500) return retry("server_error");
    if (status >= 300 && status < 400)
      return { kind: "drop", reason: "redirect", dropSubscription: false };
    return { kind: "drop", reason: "rejected", dropSubscription: false };
  } catch (err) {
    if (!(err instanceof OutboundError)) throw err;
    switch (err.reason) {
      case "forbidden_address":
      case "not_https":
      case "invalid_url":
        return { kind: "drop", reason: "forbidden_address", dropSubscription: true };
      case "timeout":
      case "connect_timeout":
        return { kind: "retry", reason: "timeout" };
      default:
        return { kind: "retry", reason: "network" };
    }
  }
}
