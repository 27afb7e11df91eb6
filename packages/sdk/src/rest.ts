/**
 * Typed calls to the REST API. `fetch` is injectable; every refusal becomes an ApiError.
 */

import { type AttachmentView, attachmentView } from "@private-chat/protocol/attachments";
import {
  type BlockView,
  blocksResponse,
  blockView,
  type ConversationView,
  type CreateConversationBody,
  conversationView,
  FIRST_CONVERSATIONS_PAGE,
  MAX_CONVERSATIONS_PAGE,
  type Role,
  type UpdateConversationBody,
} from "@private-chat/protocol/chat";
import { decodeWith } from "@private-chat/protocol/decode";
import { cursor, type StoredEvent, storedEvent } from "@private-chat/protocol/events";
import {
  type ConversationNotifications,
  type ConversationNotificationsBody,
  conversationNotifications,
  type UserNotifications,
  type UserNotificationsBody,
  userNotifications,
} from "@private-chat/protocol/notifications";
import {
  type SessionView,
  sessionView,
  type UserView,
  userView,
} from "@private-chat/protocol/rest";
import { type SearchResponse, searchResponse } from "@private-chat/protocol/search";
import { type ServerInfo, serverInfo } from "@private-chat/protocol/server-info";
import { z } from "zod/mini";
import { AdminCalls } from "./admin-calls.js";
import { DeviceCalls } from "./device-calls.js";
import { HistoryShareCalls } from "./history-share-calls.js";
import { IntegrationCalls } from "./integration-calls.js";
import { KeyBackupCalls } from "./key-backup-calls.js";
import { PushCalls } from "./push-calls.js";
import { SignInCalls } from "./sign-in-calls.js";
import { TwoFactorCalls } from "./two-factor-calls.js";
import { WebhookCalls } from "./webhook-calls.js";

export type { HistoryOptions } from "./message-calls.js";
export type { SecondFactor } from "./sign-in-calls.js";
export type { ServerInfo };

export interface SyncResponse {
  /** The events this version understands; those of newer types are left out. */
  events: StoredEvent[];
  cursor: number;
  has_more: boolean;
}

const userBody = z.object({ user: userView });
const syncBody = z.object({ events: z.array(z.unknown()), cursor, has_more: z.boolean() });

export class ApiClient extends SignInCalls {
  /** Administration, for administrators' clients. */
  readonly admin = new AdminCalls(this);
  /** Personal access tokens and bots. */
  readonly integrations = new IntegrationCalls(this);
  /** A group's incoming webhooks. */
  readonly webhooks = new WebhookCalls(this);
  /** Web Push subscriptions of this session. */
  readonly push = new PushCalls(this);
  /** The caller's second factors: authenticator app, recovery codes, passkeys. */
  readonly twoFactor = new TwoFactorCalls(this);
  /** Devices and key packages of end-to-end encryption. */
  readonly devices = new DeviceCalls(this);
  /** The key backup of end-to-end encryption: a wrapped key and encrypted history. */
  readonly keyBackup = new KeyBackupCalls(this);
  /** History shared between the caller's own devices, sealed on them. */
  readonly historyShares = new HistoryShareCalls(this);

  serverInfo(): Promise<ServerInfo> {
    return this.request("GET", "/api/v1/server", serverInfo);
  }

  async me(): Promise<UserView> {
    return (await this.request("GET", "/api/v1/me", userBody)).user;
  }

  async sessions(): Promise<SessionView[]> {
    const sessions = z.object({ sessions: z.array(sessionView) });
    return (await this.request("GET", "/api/v1/sessions", sessions)).sessions;
  }

  async revokeSession(id: string): Promise<void> {
    await this.call("DELETE", `/api/v1/sessions/${encodeURIComponent(id)}`);
  }

  /**
   * The caller's data as a zip (profile, conversations, the messages they wrote and their
   * files): the response unread, to stream or save. One export at a time per user; a
   * second meanwhile is an ApiError `rate_limited`.
   */
  exportData(): Promise<Response> {
    return this.download("/api/v1/me/export");
  }

  /** Administrators: one conversation with every member's messages, as a zip (legal hold). */
  exportConversation(conversationId: string): Promise<Response> {
    return this.download(
      `/api/v1/admin/conversations/${encodeURIComponent(conversationId)}/export`,
    );
  }

  /** The caller's notification preference of a conversation (level, mute). */
  conversationNotifications(id: string): Promise<ConversationNotifications> {
    return this.request(
      "GET",
      `/api/v1/conversations/${encodeURIComponent(id)}/notifications`,
      conversationNotifications,
    );
  }

  /**
   * Changes the caller's notification preference of a conversation; a field left out
   * stays. `muted_until: MUTED_FOREVER` mutes until unmuted, null unmutes; `level: null`
   * goes back to the default.
   */
  setConversationNotifications(
    id: string,
    body: ConversationNotificationsBody,
  ): Promise<ConversationNotifications> {
    return this.request(
      "PUT",
      `/api/v1/conversations/${encodeURIComponent(id)}/notifications`,
      conversationNotifications,
      body,
    );
  }

  /** The caller's do-not-disturb hours (`dnd: null` when off). */
  myNotifications(): Promise<UserNotifications> {
    return this.request("GET", "/api/v1/me/notifications", userNotifications);
  }

  setMyNotifications(body: UserNotificationsBody): Promise<UserNotifications> {
    return this.request("PUT", "/api/v1/me/notifications", userNotifications, body);
  }

  async searchUsers(prefix: string, limit = 20): Promise<UserView[]> {
    const query = new URLSearchParams({ q: prefix, limit: String(limit) });
    const users = z.object({ users: z.array(userView) });
    return (await this.request("GET", `/api/v1/users?${query}`, users)).users;
  }

  async user(id: string): Promise<UserView> {
    return (await this.request("GET", `/api/v1/users/${encodeURIComponent(id)}`, userBody)).user;
  }

  /**
   * Uploads a file to a conversation; send its id with a message (`attachmentIds`) for the
   * members to see it. The server sniffs the type from the bytes and ignores `blob.type`.
   */
  async uploadAttachment(
    conversationId: string,
    file: Blob,
    name: string,
  ): Promise<AttachmentView> {
    const form = new FormData();
    form.append("file", file, name);
    return this.request(
      "POST",
      `/api/v1/conversations/${encodeURIComponent(conversationId)}/attachments`,
      attachmentView,
      form,
    );
  }

  /**
   * Every conversation of the caller, the most recently active first: the pages of
   * conversationPages() read to the end.
   */
  async conversations(): Promise<ConversationView[]> {
    const all: ConversationView[] = [];
    for await (const page of this.conversationPages()) all.push(...page);
    return all;
  }

  /**
   * The caller's conversations a page at a time, the most recently active first: a small
   * first page (`first`, FIRST_CONVERSATIONS_PAGE by default) an app can show at once,
   * then the rest in pages of `rest` (MAX_CONVERSATIONS_PAGE).
   */
  async *conversationPages(
    options: { first?: number; rest?: number } = {},
  ): AsyncGenerator<ConversationView[], void, undefined> {
    const seen = new Set<string>();
    let cursor: string | undefined;
    let limit = options.first ?? FIRST_CONVERSATIONS_PAGE;
    do {
      const page = await this.conversationsPage({ limit, cursor });
      // A page is read after the previous one: a conversation that became active in
      // between moved ahead of the cursor (its event tells of it), and none comes twice;
      // the check only guards against a server that would repeat one.
      const fresh = page.conversations.filter((c) => !seen.has(c.id));
      for (const conversation of fresh) seen.add(conversation.id);
      yield fresh;
      cursor = page.next_cursor ?? undefined;
      limit = options.rest ?? MAX_CONVERSATIONS_PAGE;
    } while (cursor !== undefined);
  }

  /** One page of the caller's conversations; pass `next_cursor` back for the next. */
  async conversationsPage(
    options: { limit?: number | undefined; cursor?: string | undefined } = {},
  ): Promise<{ conversations: ConversationView[]; next_cursor: string | null }> {
    const query = new URLSearchParams();
    if (options.limit !== undefined) query.set("limit", String(options.limit));
    if (options.cursor !== undefined) query.set("cursor", options.cursor);
    const suffix = query.size > 0 ? `?${query}` : "";
    // An older server sends no next_cursor: its one answer is the whole list.
    const page = z.object({
      conversations: z.array(conversationView),
      next_cursor: z.optional(z.nullable(z.string())),
    });
    const answer = await this.request("GET", `/api/v1/conversations${suffix}`, page);
    return { conversations: answer.conversations, next_cursor: answer.next_cursor ?? null };
  }

  conversation(id: string): Promise<ConversationView> {
    return this.request("GET", `/api/v1/conversations/${encodeURIComponent(id)}`, conversationView);
  }

  createConversation(body: CreateConversationBody): Promise<ConversationView> {
    return this.request("POST", "/api/v1/conversations", conversationView, body);
  }

  /**
   * Starts a conversation, or for a direct one opens the one that exists: `created` tells
   * which (the server answers 201 or 200).
   */
  async startConversation(
    body: CreateConversationBody,
  ): Promise<{ conversation: ConversationView; created: boolean }> {
    const answer = await this.requestWithStatus(
      "POST",
      "/api/v1/conversations",
      conversationView,
      body,
    );
    return { conversation: answer.value, created: answer.status === 201 };
  }

  /** Changes a group's settings: its title, who may pin, how long it keeps messages. */
  updateConversation(id: string, changes: UpdateConversationBody): Promise<ConversationView> {
    return this.request(
      "PATCH",
      `/api/v1/conversations/${encodeURIComponent(id)}`,
      conversationView,
      changes,
    );
  }

  renameConversation(id: string, title: string): Promise<ConversationView> {
    return this.updateConversation(id, { title });
  }

  addMembers(id: string, userIds: string[]): Promise<ConversationView> {
    return this.request(
      "POST",
      `/api/v1/conversations/${encodeURIComponent(id)}/members`,
      conversationView,
      { user_ids: userIds },
    );
  }

  async removeMember(id: string, userId: string): Promise<void> {
    await this.call(
      "DELETE",
      `/api/v1/conversations/${encodeURIComponent(id)}/members/${encodeURIComponent(userId)}`,
    );
  }

  setRole(id: string, userId: string, role: Role): Promise<ConversationView> {
    return this.request(
      "PATCH",
      `/api/v1/conversations/${encodeURIComponent(id)}/members/${encodeURIComponent(userId)}`,
      conversationView,
      { role },
    );
  }

  /** Accepts a message request: presence, typing and read receipts flow from now on. */
  acceptRequest(id: string): Promise<ConversationView> {
    return this.request(
      "POST",
      `/api/v1/conversations/${encodeURIComponent(id)}/accept`,
      conversationView,
    );
  }

  /** Declines a message request: it stays listed as `declined` and sends no more events. */
  declineRequest(id: string): Promise<ConversationView> {
    return this.request(
      "POST",
      `/api/v1/conversations/${encodeURIComponent(id)}/decline`,
      conversationView,
    );
  }

  /** Blocks a person; blocking someone already blocked answers the same block. */
  block(userId: string): Promise<BlockView> {
    return this.request("POST", "/api/v1/blocks", blockView, { user_id: userId });
  }

  async unblock(userId: string): Promise<void> {
    await this.call("DELETE", `/api/v1/blocks/${encodeURIComponent(userId)}`);
  }

  /** The people the caller blocked. */
  async blocks(): Promise<BlockView[]> {
    return (await this.request("GET", "/api/v1/blocks", blocksResponse)).blocks;
  }

  async markRead(id: string, seq: number): Promise<number> {
    return (
      await this.request(
        "POST",
        `/api/v1/conversations/${encodeURIComponent(id)}/read`,
        z.object({ read_seq: z.number() }),
        { seq },
      )
    ).read_seq;
  }

  /** The events after `since`; each is decoded alone, so one of a newer type is skipped. */
  async sync(since: number, limit = 500): Promise<SyncResponse> {
    const page = await this.request("GET", `/api/v1/sync?since=${since}&limit=${limit}`, syncBody);
    const events = page.events.flatMap((raw) => {
      const decoded = decodeWith(storedEvent, raw);
      return decoded.ok ? [decoded.value] : [];
    });
    return { events, cursor: page.cursor, has_more: page.has_more };
  }

  /** Message search; `before` is the previous page's `next_before`. */
  search(params: {
    q: string;
    conversation_id?: string;
    before?: string;
    limit?: number;
  }): Promise<SearchResponse> {
    const query = new URLSearchParams({ q: params.q });
    if (params.conversation_id) query.set("conversation_id", params.conversation_id);
    if (params.before) query.set("before", params.before);
    if (params.limit !== undefined) query.set("limit", String(params.limit));
    return this.request("GET", `/api/v1/search?${query}`, searchResponse);
  }
}
