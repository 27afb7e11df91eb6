/**
 * The tables the migration knows, in foreign-key order (a table comes after every table
 * it references). A table the source holds but this list does not name stops the
 * migration: a table added by a later schema migration must be added here, never skipped
 * by accident.
 */

export interface KnownTable {
  name: string;
  /** Why the table is left empty in the target, when it is not copied. */
  skip?: string;
}

export const KNOWN_TABLES: readonly KnownTable[] = [
  { name: "users" },
  { name: "audit_log" },
  { name: "sessions" },
  // After sessions: each token's row points at its session.
  { name: "access_tokens" },
  { name: "invites" },
  { name: "conversations" },
  { name: "conversation_members" },
  { name: "membership_periods" },
  { name: "group_adds" },
  { name: "blocks" },
  { name: "message_requests" },
  { name: "messages" },
  { name: "reactions" },
  { name: "message_versions" },
  { name: "attachments" },
  { name: "blobs" },
  { name: "events" },
  { name: "push_subscriptions" },
  { name: "push_queue" },
  { name: "push_notified" },
  { name: "notification_preferences" },
  { name: "notification_settings" },
  { name: "pins" },
  { name: "threads" },
  { name: "thread_follows" },
  // The event log's horizon: cursors from before it must still be told they expired.
  { name: "server_state" },
  // Erasures of deleted accounts still under way: the target's sweep finishes them.
  { name: "account_erasures" },
  // Settings an administrator changed while the server ran.
  { name: "server_settings" },
  // Incoming webhooks (each names its bot, a user).
  { name: "incoming_webhooks" },
  // Bots' event subscriptions, their queued deliveries (kept: nothing acknowledged is
  // lost; a lease of the source's servers has run out by then) and slash commands.
  { name: "event_subscriptions" },
  { name: "event_deliveries" },
  { name: "slash_commands" },
  // Second factors of local accounts.
  { name: "totp_factors" },
  { name: "recovery_codes" },
  { name: "passkeys" },
  // Accounts linked to sign-in providers and directories.
  { name: "external_identities" },
  // Groups linked to conversations, and the members each link added.
  { name: "group_links" },
  { name: "group_link_members" },
  // Devices of end-to-end encrypted conversations and their unclaimed key packages.
  { name: "devices" },
  { name: "key_packages" },
  // Key backups (wrapped keys) and their encrypted chunks of history.
  { name: "key_backups" },
  { name: "key_backup_chunks" },
  // Sealed history waiting for one of its owner's devices.
  { name: "history_shares" },
  {
    name: "oidc_sign_ins",
    skip: "OpenID Connect sign-ins under way last ten minutes; such a sign-in starts again",
  },
  {
    name: "oidc_handoffs",
    skip: "a finished sign-in's one-time code lasts a minute; such a sign-in starts again",
  },
  {
    name: "auth_challenges",
    skip: "passkey challenges last five minutes; a sign-in under way asks for a new one",
  },
  {
    name: "nodes",
    skip: "running servers register themselves here; the rows of the SQLite servers are stale",
  },
];

/**
 * SQLite's full-text index of messages (migration 006) and its FTS5 shadow tables: derived
 * data, which PostgreSQL rebuilds for itself from the copied messages.
 */
export function isSqliteSearchIndex(table: string): boolean {
  return table === "message_search" || table.startsWith("message_search_");
}

/** Tables of the migrator itself: the target fills its own when its schema is migrated. */
export function isManagedByMigrator(table: string): boolean {
  return table.startsWith("schema_migrations");
}

/** How a column's values are read, written and compared. */
export type ColumnKind = "text" | "integer";

/** The PostgreSQL types the copier handles, by `format_type()` name. */
const KIND_OF_PG_TYPE: Record<string, ColumnKind> = {
  text: "text",
  "character varying": "text",
  smallint: "integer",
  integer: "integer",
  bigint: "integer",
};

export function kindOfPgType(pgType: string): ColumnKind | undefined {
  return KIND_OF_PG_TYPE[pgType.replace(/\(\d+\)$/, "")];
}

export interface ColumnPlan {
  name: string;
  kind: ColumnKind;
  /** The PostgreSQL type, used to cast the batch arrays. */
  pgType: string;
}

/** One table as both sides hold it: its columns in the target's order and its key. */
export interface TablePlan {
  name: string;
  columns: ColumnPlan[];
  primaryKey: ColumnPlan[];
  skip?: string;
}

/** Quotes an identifier for either engine (both use SQL's double quotes). */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
