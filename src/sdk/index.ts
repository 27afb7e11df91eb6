/**
 * The client SDK: typed REST calls and a resilient socket, shared by the web app, the
 * terminal client and the benchmarks.
 */

export type { AttachmentView } from "../protocol/attachments.js";
export type {
  ConversationView,
  MemberView,
  MessageView,
  ReactionView,
  Role,
} from "../protocol/chat.js";
export { type ErrorCode, isRetryable } from "../protocol/errors.js";
export {
  type ChatEvent,
  type ChatEventType,
  closeAdvice,
  decodeServerFrame,
  type ServerFrame,
  type StoredEvent,
} from "../protocol/frames.js";
export type { AuthResponse, SessionView, UserView } from "../protocol/rest.js";
export type { SearchResponse, SearchResultView } from "../protocol/search.js";
export { type BackoffOptions, backoffDelay } from "./backoff.js";
export { ApiError } from "./errors.js";
export { randomId } from "./ids.js";
export { ApiClient, type ServerInfo, type SyncResponse } from "./rest.js";
export {
  ChatSocket,
  type ChatSocketEvents,
  type ChatSocketOptions,
  type ConnectionState,
  type OutboxEntry,
  type WebSocketFactory,
} from "./socket.js";
