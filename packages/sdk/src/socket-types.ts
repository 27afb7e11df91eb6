/**
 * The types of ChatSocket: its states, events, options, and the minimal WebSocket it
 * needs (the browser's, or the `ws` package's in Node).
 */
import type { MessageView } from "@private-chat/protocol/chat";
import type { ErrorCode } from "@private-chat/protocol/errors";
import type { PresenceFrame, StoredEvent, TypingFrame } from "@private-chat/protocol/frames";
import type { UserView } from "@private-chat/protocol/rest";
import type { BackoffOptions } from "./backoff.js";

/** The connection's state; `reason` on each change says why. */
export type ConnectionState =
  | "idle"
  | "connecting"
  | "syncing"
  | "open"
  | "reconnecting"
  | "unauthorized"
  | "closed";

export interface MinimalWebSocket {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
}

export type WebSocketFactory = new (url: string, protocols?: string | string[]) => MinimalWebSocket;

export interface OutboxEntry {
  clientId: string;
  conversationId: string;
  body: string;
  replyTo?: string | undefined;
  attachmentIds?: string[] | undefined;
  /** A reply in the thread of this root message. */
  threadId?: string | undefined;
  /** A thread reply shown in the conversation's timeline too. */
  alsoToConversation?: boolean | undefined;
  createdAt: number;
}

/** What a send may carry besides its conversation and text. */
export interface SendOptions {
  replyTo?: string;
  clientId?: string;
  attachmentIds?: string[];
  threadId?: string;
  alsoToConversation?: boolean;
}

export interface ChatSocketEvents extends Record<string, unknown> {
  state: { state: ConnectionState; reason: string };
  ready: { user: UserView; cursor: number };
  /** A logged event (message.new, read, member.joined, ...), in cursor order, once. */
  event: StoredEvent;
  ack: { clientId: string; message: MessageView };
  typing: Omit<TypingFrame, "type">;
  presence: Omit<PresenceFrame, "type">;
  synced: { cursor: number };
  /**
   * The cursor we resumed from was older than the server's event log keeps, so events
   * were missed. Emitted just before `ready` of a fresh connection that starts at
   * `cursor`: live events from here on are complete. Reload what was built from events
   * (conversations, loaded history) now.
   */
  expired: { cursor: number };
  /** A server error frame that answers no send of ours. */
  error: { code: ErrorCode; message: string };
  /**
   * A frame that was skipped: of a type this version does not know (`unknownType`, from
   * a newer server), or one that does not match its schema.
   */
  invalid_frame: { type: string | undefined; unknownType: boolean; problem: string };
}

export interface ChatSocketOptions {
  /** Server base URL (http(s)://...) or "" for the page's origin. */
  baseUrl: string;
  token: () => string | undefined;
  WebSocket?: WebSocketFactory;
  /** Highest cursor seen in an earlier run, to resume from. */
  cursor?: number | undefined;
  onCursor?: (cursor: number) => void;
  backoff?: BackoffOptions;
  /** How often to ping, and how long to wait for the pong before reconnecting. */
  pingIntervalMs?: number;
  pongTimeoutMs?: number;
}
