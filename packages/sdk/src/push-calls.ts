/**
 * Web Push for this session (/api/v1/push), reached as `client.push`: the server's VAPID
 * key, and the browser subscriptions that end with the session.
 */
import {
  type PushSubscriptionBody,
  type PushSubscriptionView,
  pushKeyResponse,
  pushSubscriptionsResponse,
  pushSubscriptionView,
} from "@private-chat/protocol/push";
import type { RestTransport } from "./transport.js";

const subscription = (id: string) => `/api/v1/push/subscriptions/${encodeURIComponent(id)}`;

export class PushCalls {
  constructor(private readonly rest: RestTransport) {}

  /** The server's VAPID public key (base64url), for `pushManager.subscribe()`. */
  async key(): Promise<string> {
    return (await this.rest.request("GET", "/api/v1/push/key", pushKeyResponse)).public_key;
  }

  /**
   * Registers a browser's push subscription (`PushSubscription.toJSON()`) for this
   * session; it ends with the session.
   */
  subscribe(body: PushSubscriptionBody): Promise<PushSubscriptionView> {
    return this.rest.request("POST", "/api/v1/push/subscriptions", pushSubscriptionView, body);
  }

  async subscriptions(): Promise<PushSubscriptionView[]> {
    return (await this.rest.request("GET", "/api/v1/push/subscriptions", pushSubscriptionsResponse))
      .subscriptions;
  }

  /** Queues a test notification to one of the caller's subscriptions (one per 10 s). */
  async test(id: string): Promise<void> {
    await this.rest.call("POST", `${subscription(id)}/test`);
  }

  async unsubscribe(id: string): Promise<void> {
    await this.rest.call("DELETE", subscription(id));
  }
}
