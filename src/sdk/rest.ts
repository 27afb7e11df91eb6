/**
 * Typed calls to the REST API. `fetch` is injectable; every refusal becomes an ApiError.
 */

import type { AttachmentView } from "../protocol/attachments.js";
import type {
  ConversationView,
  CreateConversationBody,
  MessageView,
  Role,
  SendMessageBody,
} from "../protocol/chat.js";
import type { ErrorBody } from "../protocol/errors.js";
import type { AuthResponse, SessionView, UserView } from "../protocol/rest.js";
import { ApiError } from "./errors.js";

export interface ServerInfo {
  name: string;
  version: string;
  registration: "open" | "invite" | "closed";
  max_body_chars: number;
}

export interface SyncResponse {
  events: (Record<string, unknown> & { type: string; cursor: number })[];
  cursor: number;
  has_more: boolean;
}

export interface ApiClientOptions {
  /** Server base URL, e.g. https://chat.example.com; "" for the page's own origin. */
  baseUrl: string;
  token?: string | undefined;
  fetch?: typeof fetch;
}

export interface HistoryOptions {
  before?: number;
  after?: number;
  limit?: number;
}

export class ApiClient {
  token: string | undefined;
  readonly baseUrl: string;
  private readonly fetchImpl: typeof fetch;

  constructor(options: ApiClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, "");
    this.token = options.token;
    this.fetchImpl = options.fetch ?? globalThis.fetch.bind(globalThis);
  }

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = {};
    // A form (a file upload) sets its own multipart content type and boundary.
    const form = body instanceof FormData;
    if (body !== undefined && !form) headers["content-type"] = "application/json";
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    let response: Response;
    try {
      response = await this.fetchImpl(`${this.baseUrl}${path}`, {
        method,
        headers,
        body: body === undefined ? null : form ? body : JSON.stringify(body),
      });
    } catch (err) {
      throw new ApiError(0, "network_error", `cannot reach the server: ${(err as Error).message}`);
    }
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text === "" ? undefined : (JSON.parse(text) as unknown);
    } catch {
      throw new ApiError(
        response.status,
        "internal_error",
        `the server's answer is not JSON (HTTP ${response.status}); is the server URL right?`,
      );
    }
    if (!response.ok) {
      const error = (parsed as ErrorBody | undefined)?.error;
      const retryAfter = Number(response.headers.get("retry-after"));
      throw new ApiError(
        response.status,
        error?.code ?? "internal_error",
        error?.message ?? `HTTP ${response.status}`,
        Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : undefined,
        error?.details,
      );
    }
    return parsed as T;
  }

  serverInfo(): Promise<ServerInfo> {
    return this.request("GET", "/api/v1/server");
  }

  async register(input: {
    username: string;
    password: string;
    display_name?: string;
    invite_code?: string;
  }): Promise<AuthResponse> {
    const result = await this.request<AuthResponse>("POST", "/api/v1/auth/register", input);
    this.token = result.token;
    return result;
  }

  async login(username: string, password: string): Promise<AuthResponse> {
    const result = await this.request<AuthResponse>("POST", "/api/v1/auth/login", {
      username,
      password,
    });
    this.token = result.token;
    return result;
  }

  async logout(): Promise<void> {
    await this.request("POST", "/api/v1/auth/logout");
    this.token = undefined;
  }

  changePassword(currentPassword: string, newPassword: string): Promise<void> {
    return this.request("POST", "/api/v1/auth/password", {
      current_password: currentPassword,
      new_password: newPassword,
    });
  }

  async me(): Promise<UserView> {
    return (await this.request<{ user: UserView }>("GET", "/api/v1/me")).user;
  }

  async sessions(): Promise<SessionView[]> {
    return (await this.request<{ sessions: SessionView[] }>("GET", "/api/v1/sessions")).sessions;
  }

  revokeSession(id: string): Promise<void> {
    return this.request("DELETE", `/api/v1/sessions/${encodeURIComponent(id)}`);
  }

  async searchUsers(prefix: string, limit = 20): Promise<UserView[]> {
    const query = new URLSearchParams({ q: prefix, limit: String(limit) });
    return (await this.request<{ users: UserView[] }>("GET", `/api/v1/users?${query}`)).users;
  }

  async user(id: string): Promise<UserView> {
    return (
      await this.request<{ user: UserView }>("GET", `/api/v1/users/${encodeURIComponent(id)}`)
    ).user;
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
    return this.request<AttachmentView>(
      "POST",
      `/api/v1/conversations/${encodeURIComponent(conversationId)}/attachments`,
      form,
    );
  }

  async conversations(): Promise<ConversationView[]> {
    return (
      await this.request<{ conversations: ConversationView[] }>("GET", "/api/v1/conversations")
    ).conversations;
  }

  conversation(id: string): Promise<ConversationView> {
    return this.request("GET", `/api/v1/conversations/${encodeURIComponent(id)}`);
  }

  createConversation(body: CreateConversationBody): Promise<ConversationView> {
    return this.request("POST", "/api/v1/conversations", body);
  }

  renameConversation(id: string, title: string): Promise<ConversationView> {
    return this.request("PATCH", `/api/v1/conversations/${encodeURIComponent(id)}`, { title });
  }

  addMembers(id: string, userIds: string[]): Promise<ConversationView> {
    return this.request("POST", `/api/v1/conversations/${encodeURIComponent(id)}/members`, {
      user_ids: userIds,
    });
  }

  removeMember(id: string, userId: string): Promise<void> {
    return this.request(
      "DELETE",
      `/api/v1/conversations/${encodeURIComponent(id)}/members/${encodeURIComponent(userId)}`,
    );
  }

  setRole(id: string, userId: string, role: Role): Promise<ConversationView> {
    return this.request(
      "PATCH",
      `/api/v1/conversations/${encodeURIComponent(id)}/members/${encodeURIComponent(userId)}`,
      {
        role,
      },
    );
  }

  async markRead(id: string, seq: number): Promise<number> {
    return (
      await this.request<{ read_seq: number }>(
        "POST",
        `/api/v1/conversations/${encodeURIComponent(id)}/read`,
        { seq },
      )
    ).read_seq;
  }

  async history(id: string, options: HistoryOptions = {}): Promise<MessageView[]> {
    const query = new URLSearchParams();
    if (options.before !== undefined) query.set("before", String(options.before));
    if (options.after !== undefined) query.set("after", String(options.after));
    if (options.limit !== undefined) query.set("limit", String(options.limit));
    const suffix = query.size > 0 ? `?${query}` : "";
    return (
      await this.request<{ messages: MessageView[] }>(
        "GET",
        `/api/v1/conversations/${encodeURIComponent(id)}/messages${suffix}`,
      )
    ).messages;
  }

  message(id: string): Promise<MessageView> {
    return this.request("GET", `/api/v1/messages/${encodeURIComponent(id)}`);
  }

  sendMessage(id: string, body: SendMessageBody): Promise<MessageView> {
    return this.request("POST", `/api/v1/conversations/${encodeURIComponent(id)}/messages`, body);
  }

  editMessage(id: string, body: string): Promise<MessageView> {
    return this.request("PATCH", `/api/v1/messages/${encodeURIComponent(id)}`, { body });
  }

  deleteMessage(id: string): Promise<MessageView> {
    return this.request("DELETE", `/api/v1/messages/${encodeURIComponent(id)}`);
  }

  react(id: string, emoji: string): Promise<MessageView> {
    return this.request("POST", `/api/v1/messages/${encodeURIComponent(id)}/reactions`, { emoji });
  }

  unreact(id: string, emoji: string): Promise<MessageView> {
    return this.request(
      "DELETE",
      `/api/v1/messages/${encodeURIComponent(id)}/reactions/${encodeURIComponent(emoji)}`,
    );
  }

  sync(since: number, limit = 500): Promise<SyncResponse> {
    return this.request("GET", `/api/v1/sync?since=${since}&limit=${limit}`);
  }
}
