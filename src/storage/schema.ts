/**
 * Table types as the application sees them. Migrations never import this file: they are
 * frozen in time and speak Kysely<any>.
 */

import type { StoredMessage } from "@private-chat/protocol/present-message";
import type { Generated } from "kysely";
import type { EncryptionTables } from "./schema-devices.js";
import type {
  AccessTokensTable,
  EventDeliveriesTable,
  EventSubscriptionsTable,
  IncomingWebhooksTable,
  SlashCommandsTable,
} from "./schema-integrations.js";
import type {
  AuthChallengesTable,
  ExternalIdentitiesTable,
  GroupLinkMembersTable,
  GroupLinksTable,
  OidcHandoffsTable,
  OidcSignInsTable,
  PasskeysTable,
  RecoveryCodesTable,
  TotpFactorsTable,
} from "./schema-sign-in.js";

export type {
  AccessTokensTable,
  AuthChallengesTable,
  EventDeliveriesTable,
  EventSubscriptionsTable,
  ExternalIdentitiesTable,
  GroupLinkMembersTable,
  GroupLinksTable,
  IncomingWebhooksTable,
  OidcHandoffsTable,
  OidcSignInsTable,
  PasskeysTable,
  RecoveryCodesTable,
  SlashCommandsTable,
  TotpFactorsTable,
};

export interface UsersTable {
  id: string;
  username: string;
  username_lower: string;
  display_name: string;
  password_hash: string;
  is_admin: number;
  disabled: number;
  created_at: number;
  last_seen_at: number | null;
  deleted_at: number | null;
  is_bot: Generated<number>;
  owner_id: string | null;
  second_factor: Generated<number>;
}

export interface ServerSettingsTable {
  name: string;
  /** JSON. */
  value: string;
  updated_at: number;
}

export interface AccountErasuresTable {
  user_id: string;
  conversation_id: string;
  erased_seq: number;
}

export interface SessionsTable {
  id: string;
  user_id: string;
  created_at: number;
  last_seen_at: number;
  expires_at: number;
  user_agent: string;
  ip: string;
  revoked_at: number | null;
  /** "password" (a sign-in) or "token" (a personal access token). */
  kind: Generated<"password" | "token">;
  /** A token's scopes, a JSON array; null for a sign-in (all of its user's rights). */
  scopes: string | null;
  /** How a sign-in was made ("password", "password+totp", "passkey", ...); null before 028. */
  method: string | null;
}

export interface InvitesTable {
  id: string;
  code_hash: string;
  created_by: string | null;
  created_at: number;
  expires_at: number | null;
  used_by: string | null;
  used_at: number | null;
  revoked_at: number | null;
  max_uses: number;
  uses: number;
}

export interface ConversationsTable {
  id: string;
  type: "direct" | "group";
  title: string | null;
  direct_key: string | null;
  created_by: string | null;
  created_at: number;
  updated_at: number;
  last_seq: number;
  last_activity_at: number;
  /** 1: every member of the group may pin messages; 0: only the owner and admins. */
  members_can_pin: Generated<number>;
  /** Days a group keeps its messages: null the server's default, 0 as long as allowed. */
  retention_days: Generated<number | null>;
  /** The retention sweep has dealt with every message up to this seq. */
  expired_seq: Generated<number>;
  /** 1: end-to-end encrypted, its messages MLS messages (docs/E2EE.md). Never changes. */
  encrypted: Generated<number>;
  /** Encrypted: the MLS epoch the next commit must come from (the commits taken so far). */
  mls_epoch: Generated<number>;
}

export interface MembershipPeriodsTable {
  conversation_id: string;
  user_id: string;
  joined_seq: number;
  left_seq: number;
  joined_cursor: number;
  left_cursor: number;
  left_at: number;
}

export interface ConversationMembersTable {
  conversation_id: string;
  user_id: string;
  role: "owner" | "admin" | "member";
  joined_at: number;
  /** Messages with a seq above this are visible to the member. */
  joined_seq: number;
  /** Events with an id above this are visible to the member. */
  joined_cursor: number;
  read_seq: number;
}

/** The row is the stored message the presenter reads (packages/protocol/src/present-message.ts). */
export type MessagesTable = StoredMessage;

export interface ReactionsTable {
  message_id: string;
  user_id: string;
  emoji: string;
  created_at: number;
}

/** An earlier body of an edited message, with the time it was written. */
export interface MessageVersionsTable {
  message_id: string;
  /** Orders a message's versions; only grows. */
  position: number;
  body: string;
  written_at: number;
}

export interface EventsTable {
  id: Generated<number>;
  conversation_id: string | null;
  user_id: string | null;
  type: string;
  payload: string;
  created_at: number;
  /** The message a message.* event carries (null on rows written before migration 017). */
  message_id: string | null;
}

/** Named numbers the server keeps (see migration 019). */
export interface ServerStateTable {
  name: string;
  value: number;
}

export interface NodesTable {
  id: string;
  hostname: string;
  pid: number;
  clustered: number;
  started_at: number;
  last_seen_at: number;
  /** The newest migration the node's version knows; null for versions before 012. */
  knows_through: string | null;
}

export interface AuditLogTable {
  id: Generated<number>;
  at: number;
  /** Null for actions taken from the command line. */
  actor_id: string | null;
  actor_label: string;
  action: string;
  target_type: string;
  target_id: string | null;
  /** A JSON object. */
  details: string;
}

export interface AttachmentsTable {
  id: string;
  conversation_id: string;
  uploader_id: string;
  /** Hex SHA-256 of the stored bytes. */
  sha256: string;
  name: string;
  size: number;
  content_type: string;
  width: number | null;
  height: number | null;
  has_thumbnail: number;
  thumbnail_sha256: string | null;
  /** The name of the file's blob (a row of `blobs`, and the blob store's key). */
  blob: string;
  thumbnail_blob: string | null;
  /** 1 from the row's insert until its bytes are stored: neither served nor sendable. */
  pending: number;
  created_at: number;
  message_id: string | null;
  position: number;
  /** Set when the message was deleted: the row waits for its blobs to be collected. */
  deleted_at: number | null;
}

export interface GroupAddsTable {
  id: string;
  user_id: string;
  conversation_id: string;
  added_by: string;
  added_at: number;
}

/** `blocker_id` blocked `blocked_id`. */
export interface BlocksTable {
  blocker_id: string;
  blocked_id: string;
  created_at: number;
}

/**
 * A direct conversation that is a message request: its creator (the conversation's
 * `created_by`) asked `recipient_id`, who has not accepted. Gone once accepted.
 */
export interface MessageRequestsTable {
  conversation_id: string;
  recipient_id: string;
  state: "pending" | "declined";
  created_at: number;
  updated_at: number;
}

/**
 * One stored blob: bytes under `name` in the blob store. Live while `deleting_at` is
 * null (at most one live blob per content); once set, its bytes are being deleted and
 * nothing may refer to it again.
 */
export interface BlobsTable {
  name: string;
  sha256: string;
  created_at: number;
  deleting_at: number | null;
}

/** A browser's push subscription (RFC 8030), ended with the session that made it. */
export interface PushSubscriptionsTable {
  id: string;
  user_id: string;
  session_id: string;
  endpoint: string;
  p256dh: string;
  auth: string;
  created_at: number;
}

/** A push waiting to be sent; claimed by one node for a lease while it sends. */
export interface PushQueueTable {
  id: string;
  subscription_id: string;
  topic: string;
  urgency: string;
  /** The JSON payload before encryption (it is encrypted for each attempt). */
  payload: string;
  created_at: number;
  due_at: number;
  attempts: number;
  claimed_by: string | null;
  claimed_until: number | null;
}

/** A conversation a subscription was sent a message push of, since it was last read. */
export interface PushNotifiedTable {
  subscription_id: string;
  conversation_id: string;
  at: number;
}

/** A thread's root and its replies in short (migration 018). */
export interface ThreadsTable {
  root_id: string;
  conversation_id: string;
  /** The last thread_seq handed out. */
  last_seq: number;
  /** Live replies: a deleted one no longer counts. */
  reply_count: number;
  last_reply_at: number | null;
  /** JSON array of at most 5 user ids, who replied most recently first. */
  participant_ids: string;
}

/** Who follows a thread and how far they read it (migration 018). */
export interface ThreadFollowsTable {
  root_id: string;
  user_id: string;
  /** 0: they chose to stop following. */
  following: number;
  /** The thread_seq read up to. */
  read_seq: number;
}

/** A pinned message (a message is pinned at most once). */
export interface PinsTable {
  message_id: string;
  conversation_id: string;
  pinned_by: string;
  pinned_at: number;
}

/** A member's notification preference of one conversation (level null: the default). */
export interface NotificationPreferencesTable {
  user_id: string;
  conversation_id: string;
  level: string | null;
  muted_until: number | null;
  updated_at: number;
}

/** A user's do-not-disturb hours; the three dnd columns are all null when off. */
export interface NotificationSettingsTable {
  user_id: string;
  dnd_start: string | null;
  dnd_end: string | null;
  dnd_time_zone: string | null;
  updated_at: number;
}

/** The tables of end-to-end encryption are in schema-devices.ts. */
export interface Database extends EncryptionTables {
  nodes: NodesTable;
  users: UsersTable;
  sessions: SessionsTable;
  access_tokens: AccessTokensTable;
  incoming_webhooks: IncomingWebhooksTable;
  event_subscriptions: EventSubscriptionsTable;
  event_deliveries: EventDeliveriesTable;
  slash_commands: SlashCommandsTable;
  account_erasures: AccountErasuresTable;
  server_settings: ServerSettingsTable;
  invites: InvitesTable;
  conversations: ConversationsTable;
  conversation_members: ConversationMembersTable;
  membership_periods: MembershipPeriodsTable;
  group_adds: GroupAddsTable;
  blocks: BlocksTable;
  message_requests: MessageRequestsTable;
  messages: MessagesTable;
  reactions: ReactionsTable;
  message_versions: MessageVersionsTable;
  events: EventsTable;
  audit_log: AuditLogTable;
  attachments: AttachmentsTable;
  blobs: BlobsTable;
  push_subscriptions: PushSubscriptionsTable;
  push_queue: PushQueueTable;
  push_notified: PushNotifiedTable;
  notification_preferences: NotificationPreferencesTable;
  notification_settings: NotificationSettingsTable;
  pins: PinsTable;
  threads: ThreadsTable;
  thread_follows: ThreadFollowsTable;
  server_state: ServerStateTable;
  totp_factors: TotpFactorsTable;
  recovery_codes: RecoveryCodesTable;
  passkeys: PasskeysTable;
  auth_challenges: AuthChallengesTable;
  external_identities: ExternalIdentitiesTable;
  oidc_sign_ins: OidcSignInsTable;
  oidc_handoffs: OidcHandoffsTable;
  group_links: GroupLinksTable;
  group_link_members: GroupLinkMembersTable;
}
