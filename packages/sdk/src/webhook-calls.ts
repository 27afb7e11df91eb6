/**
 * Incoming webhooks of a group (/api/v1/conversations/:id/webhooks, /api/v1/webhooks/:id),
 * reached as `client.webhooks`; and `postToWebhook`, which needs no client or token: the
 * URL's secret is the credential.
 */

import {
  type CreatedWebhookResponse,
  createdWebhookResponse,
  type WebhookPayload,
  type WebhookPostResponse,
  type WebhookView,
  webhookPostResponse,
  webhooksResponse,
} from "@private-chat/protocol/webhooks";
import { RestTransport } from "./transport.js";

const hooksOf = (conversationId: string) =>
  `/api/v1/conversations/${encodeURIComponent(conversationId)}/webhooks`;

export class WebhookCalls {
  constructor(private readonly rest: RestTransport) {}

  /** A new hook for a group; the answer's `url` holds its secret and is shown this once. */
  create(conversationId: string, name: string): Promise<CreatedWebhookResponse> {
    return this.rest.request("POST", hooksOf(conversationId), createdWebhookResponse, { name });
  }

  /** The group's hooks, oldest first, without their URLs. */
  async list(conversationId: string): Promise<WebhookView[]> {
    return (await this.rest.request("GET", hooksOf(conversationId), webhooksResponse)).webhooks;
  }

  /** Deletes a hook: its URL answers 404 from then on, and its bot leaves the group. */
  async delete(id: string): Promise<void> {
    await this.rest.call("DELETE", `/api/v1/webhooks/${encodeURIComponent(id)}`);
  }
}

/** Posts a Slack-style payload to a hook's URL (as made by `WebhookCalls.create`). */
export function postToWebhook(
  url: string,
  payload: WebhookPayload,
  options: { fetch?: typeof fetch } = {},
): Promise<WebhookPostResponse> {
  const { origin, pathname } = new URL(url);
  const transport = new RestTransport({ baseUrl: origin, ...options });
  return transport.request("POST", pathname, webhookPostResponse, payload);
}
