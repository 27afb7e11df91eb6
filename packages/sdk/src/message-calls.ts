/**
 * Messages over REST: a conversation's history, one message and its earlier versions,
 * send, edit, delete and react. ApiClient inherits these calls.
 */

import {
  type MessageVersionView,
  type MessageView,
  messageVersionsResponse,
  messageView,
  type SendMessageBody,
} from "@private-chat/protocol/chat";
import { z } from "zod/mini";
import { ThreadCalls } from "./threads.js";

export interface HistoryOptions {
  before?: number;
  after?: number;
  limit?: number;
}

export class MessageCalls extends ThreadCalls {
  async history(id: string, options: HistoryOptions = {}): Promise<MessageView[]> {
    const query = new URLSearchParams();
    if (options.before !== undefined) query.set("before", String(options.before));
    if (options.after !== undefined) query.set("after", String(options.after));
    if (options.limit !== undefined) query.set("limit", String(options.limit));
    const suffix = query.size > 0 ? `?${query}` : "";
    return (
      await this.request(
        "GET",
        `/api/v1/conversations/${encodeURIComponent(id)}/messages${suffix}`,
        z.object({ messages: z.array(messageView) }),
      )
    ).messages;
  }

  message(id: string): Promise<MessageView> {
    return this.request("GET", `/api/v1/messages/${encodeURIComponent(id)}`, messageView);
  }

  /** A message's earlier versions, oldest first; its current body is the message's own. */
  async messageVersions(id: string): Promise<MessageVersionView[]> {
    return (
      await this.request(
        "GET",
        `/api/v1/messages/${encodeURIComponent(id)}/versions`,
        messageVersionsResponse,
      )
    ).versions;
  }

  sendMessage(id: string, body: SendMessageBody): Promise<MessageView> {
    return this.request(
      "POST",
      `/api/v1/conversations/${encodeURIComponent(id)}/messages`,
      messageView,
      body,
    );
  }

  editMessage(id: string, body: string): Promise<MessageView> {
    return this.request("PATCH", `/api/v1/messages/${encodeURIComponent(id)}`, messageView, {
      body,
    });
  }

  deleteMessage(id: string): Promise<MessageView> {
    return this.request("DELETE", `/api/v1/messages/${encodeURIComponent(id)}`, messageView);
  }

  react(id: string, emoji: string): Promise<MessageView> {
    return this.request(
      "POST",
      `/api/v1/messages/${encodeURIComponent(id)}/reactions`,
      messageView,
      { emoji },
    );
  }

  unreact(id: string, emoji: string): Promise<MessageView> {
    return this.request(
      "DELETE",
      `/api/v1/messages/${encodeURIComponent(id)}/reactions/${encodeURIComponent(emoji)}`,
      messageView,
    );
  }

  /** An attachment's bytes, unread, so they can be streamed to a file. */
  downloadAttachment(id: string): Promise<Response> {
    return this.download(`/api/v1/attachments/${encodeURIComponent(id)}`);
  }
}
