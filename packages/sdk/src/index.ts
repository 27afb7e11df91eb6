/**
 * The client SDK: typed REST calls and a resilient socket, shared by the web app, the
 * terminal client and the benchmarks.
 */

export type {
  AdminServerResponse,
  AdminSessionView,
  AdminUserView,
  AuditEntryView,
  AuditQuery,
  InviteView,
  RuntimeSettings,
} from "@private-chat/protocol/admin";
export type { AttachmentView } from "@private-chat/protocol/attachments";
export { ENCRYPTED_FILE_HEADER } from "@private-chat/protocol/attachments";
export type {
  BlockView,
  ConversationSummary,
  ConversationView,
  FollowedThreadView,
  MemberView,
  MessageVersionView,
  MessageView,
  PinnedMessageView,
  ReactionView,
  Role,
  ThreadResponse,
  ThreadSummary,
} from "@private-chat/protocol/chat";
export { MAX_PINS } from "@private-chat/protocol/chat";
export type {
  ClaimedKeyPackagesResponse,
  DeviceView,
  KeyPackagesUploaded,
  PublicDeviceView,
} from "@private-chat/protocol/devices";
export {
  DEVICE_NAME_MAX,
  DEVICES_MAX,
  KEY_PACKAGE_MAX_BYTES,
  KEY_PACKAGES_LOW,
  KEY_PACKAGES_MAX,
} from "@private-chat/protocol/devices";
export {
  MAX_ENCRYPTED_MEMBERS,
  type MlsEnvelope,
  type MlsKind,
} from "@private-chat/protocol/encrypted";
export { type ErrorCode, isRetryable } from "@private-chat/protocol/errors";
export {
  type ChatEvent,
  type ChatEventType,
  closeAdvice,
  decodeServerFrame,
  type ServerFrame,
  type StoredEvent,
} from "@private-chat/protocol/frames";
export {
  HISTORY_SHARE_MAX_BYTES,
  HISTORY_SHARES_PENDING_MAX,
  type HistoryArchive,
  type HistoryShareEntry,
  type HistoryShareView,
  type SharedMessage,
} from "@private-chat/protocol/history-shares";
export {
  KEY_BACKUP_CHUNK_MAX_BYTES,
  type KeyBackupView,
  PASSPHRASE_MIN_CHARS,
} from "@private-chat/protocol/key-backup";
export {
  type Block,
  type Inline,
  isSafeHref,
  type ListItem,
  parseMarkup,
  plainText,
} from "@private-chat/protocol/markup";
export {
  cleanName,
  INVISIBLE_NAME_MESSAGE,
  isVisibleName,
  normaliseName,
  showName,
} from "@private-chat/protocol/names";
export {
  type ConversationNotifications,
  type ConversationNotificationsBody,
  type DoNotDisturb,
  defaultLevel,
  inDoNotDisturb,
  isClockTime,
  isMuted,
  isTimeZone,
  MENTIONS_DEFAULT_ABOVE,
  MUTED_FOREVER,
  type NotificationLevel,
  type NotificationState,
  type UserNotifications,
  type UserNotificationsBody,
} from "@private-chat/protocol/notifications";
export type {
  AvailableCommand,
  CommandRequest,
  CommandView,
  CreatedCommandResponse,
  CreatedSubscriptionResponse,
  EventDelivery,
  RunCommandResponse,
  SubscribableEvent,
  SubscriptionView,
} from "@private-chat/protocol/outgoing";
export {
  EVENT_ID_HEADER,
  SIGNATURE_HEADER,
  SUBSCRIBABLE_EVENTS,
  TIMESTAMP_HEADER,
} from "@private-chat/protocol/outgoing";
export type { AuthResponse, SessionView, UserView } from "@private-chat/protocol/rest";
export { sealedText, shownText } from "@private-chat/protocol/sealed-text";
export type { SearchResponse, SearchResultView } from "@private-chat/protocol/search";
export type { ProviderLinkView } from "@private-chat/protocol/sign-in-providers";
export type {
  BotView,
  CreatedBotResponse,
  CreatedTokenResponse,
  TokenScope,
  TokenView,
} from "@private-chat/protocol/tokens";
export { TOKEN_PREFIX, TOKEN_SCOPES } from "@private-chat/protocol/tokens";
export type {
  FactorAdded,
  OidcDevicePending,
  OidcDeviceStart,
  PasskeyAssertion,
  PasskeyAttestation,
  PasskeyView,
  TotpEnrolment,
  TwoFactorStatus,
} from "@private-chat/protocol/two-factor";
export type {
  CreatedWebhookResponse,
  WebhookPayload,
  WebhookPostResponse,
  WebhookView,
} from "@private-chat/protocol/webhooks";
export { AdminCalls, type SettingsState } from "./admin-calls.js";
export { type BackoffOptions, backoffDelay } from "./backoff.js";
export { DeviceCalls } from "./device-calls.js";
export { ApiError, type EncryptedChatCode, EncryptedChatError } from "./errors.js";
export { HistoryShareCalls } from "./history-share-calls.js";
export { randomId } from "./ids.js";
export { IntegrationCalls } from "./integration-calls.js";
export { KeyBackupCalls } from "./key-backup-calls.js";
export { MessageCalls } from "./message-calls.js";
export { mayPin, PinCalls } from "./pins.js";
export { PushCalls } from "./push-calls.js";
export { applyReaction, type ReactionChange } from "./reactions.js";
export {
  createdRequestState,
  hideBlocked,
  isHiddenMessage,
  listSection,
  type RequestState,
  sharesPresence,
  type TimelineItem,
  withoutRequest,
} from "./requests.js";
export { ApiClient, type SecondFactor, type ServerInfo, type SyncResponse } from "./rest.js";
export {
  ChatSocket,
  type ChatSocketEvents,
  type ChatSocketOptions,
  type ConnectionState,
  type MinimalWebSocket,
  type OutboxEntry,
  type SendOptions,
  type WebSocketFactory,
} from "./socket.js";
export {
  type FollowedThreadsPage,
  isThreadOnly,
  ThreadCalls,
  type ThreadPageOptions,
} from "./threads.js";
export type { ApiClientOptions } from "./transport.js";
export { TwoFactorCalls } from "./two-factor-calls.js";
export { postToWebhook, WebhookCalls } from "./webhook-calls.js";
