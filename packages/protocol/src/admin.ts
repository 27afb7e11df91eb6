/**
 * The administration API (/api/v1/admin/*) on the wire: request schemas and the views the
 * server sends back, shared with every client. Objects are strict like the rest of the API.
 */
import { z } from "zod/mini";
import { sessionView } from "./rest.js";

export const MAX_ADMIN_PAGE = 1000;
export const MAX_INVITE_HOURS = 24 * 365;
export const DEFAULT_INVITE_HOURS = 24 * 7;
/** How many accounts one invite code may open, at most. */
export const MAX_INVITE_USES = 1000;
export const MAX_AUDIT_FILTER = 64;

/** A page size in a query string: the text of an integer from 1 to `max`. */
function pageSize(max: number) {
  return z.coerce.number().check(z.int(), z.minimum(1), z.maximum(max));
}

export const adminUsersQuery = z.strictObject({
  q: z._default(z.string().check(z.maxLength(32)), ""),
  limit: z._default(pageSize(MAX_ADMIN_PAGE), 100),
});

export const adminCreateUserBody = z.strictObject({
  username: z.string(),
  /** Generated (and returned once) when left out. */
  password: z.optional(z.string()),
  display_name: z.optional(z.string().check(z.maxLength(64))),
  is_admin: z._default(z.boolean(), false),
});
export type AdminCreateUserBody = z.infer<typeof adminCreateUserBody>;

export const adminUpdateUserBody = z
  .strictObject({ disabled: z.optional(z.boolean()), is_admin: z.optional(z.boolean()) })
  .check(
    z.refine((body) => body.disabled !== undefined || body.is_admin !== undefined, {
      message: "send disabled, is_admin or both",
    }),
  );
export type AdminUpdateUserBody = z.infer<typeof adminUpdateUserBody>;

// Both bodies may be left out entirely (Fastify then hands the schema a null).
export const adminResetPasswordBody = z.nullish(
  z.strictObject({
    /** Generated when left out. */
    password: z.optional(z.string()),
  }),
);

export const adminCreateInviteBody = z.nullish(
  z.strictObject({
    expires_in_hours: z.optional(z.number().check(z.positive(), z.maximum(MAX_INVITE_HOURS))),
    /** How many accounts the code may open (1 unless told). */
    max_uses: z.optional(z.int().check(z.minimum(1), z.maximum(MAX_INVITE_USES))),
  }),
);

/** A time in a query string: milliseconds since the epoch. */
const instant = z.coerce.number().check(z.int(), z.minimum(0), z.maximum(Number.MAX_SAFE_INTEGER));

export const auditQuery = z.strictObject({
  limit: z._default(pageSize(MAX_ADMIN_PAGE), 50),
  /** An entry's id: the page goes on with older entries. */
  before: z.optional(z.coerce.number().check(z.int(), z.minimum(1))),
  /** Who acted: a username, or `cli` for the server's command line. */
  actor: z.optional(z.string().check(z.minLength(1), z.maxLength(MAX_AUDIT_FILTER))),
  /** One action (`user.disable`), or every action of a kind (`user.`). */
  action: z.optional(z.string().check(z.minLength(1), z.maxLength(MAX_AUDIT_FILTER))),
  /** Entries at or after this time (ms since the epoch). */
  since: z.optional(instant),
  /** Entries before this time (ms since the epoch). */
  until: z.optional(instant),
});
/** A page of the audit log as a client asks for it: every field may be left out. */
export type AuditQuery = Partial<z.output<typeof auditQuery>>;

/** A user as an administrator sees them: flags and activity included. */
export const adminUserView = z.object({
  id: z.string(),
  username: z.string(),
  display_name: z.string(),
  is_admin: z.boolean(),
  is_bot: z.boolean(),
  /** A bot's owner (the person who made it), or null. */
  owner_id: z.nullable(z.string()),
  disabled: z.boolean(),
  created_at: z.number(),
  last_seen_at: z.nullable(z.number()),
  /** When the account was deleted (it is disabled for good then), or null. */
  deleted_at: z.nullable(z.number()),
  /** It has a second factor (an authenticator app or a passkey). */
  second_factor: z.boolean(),
});
export type AdminUserView = z.infer<typeof adminUserView>;

export const adminCreatedUser = z.object({
  user: adminUserView,
  /** Present only when the server generated the password. */
  password: z.optional(z.string()),
});
export type AdminCreatedUser = z.infer<typeof adminCreatedUser>;

export const inviteStatus = z.enum(["active", "used", "revoked", "expired"]);
export type InviteStatus = z.infer<typeof inviteStatus>;

export const inviteView = z.object({
  id: z.string(),
  status: inviteStatus,
  created_by: z.nullable(z.string()),
  created_at: z.number(),
  expires_at: z.nullable(z.number()),
  /** The account that used the code last, and when. */
  used_by: z.nullable(z.string()),
  used_at: z.nullable(z.number()),
  revoked_at: z.nullable(z.number()),
  max_uses: z.number(),
  uses: z.number(),
});
export type InviteView = z.infer<typeof inviteView>;

export const adminCreatedInvite = z.object({
  invite: inviteView,
  /** The code itself: shown once, only its hash is kept. */
  code: z.string(),
});
export type AdminCreatedInvite = z.infer<typeof adminCreatedInvite>;

export const auditEntryView = z.object({
  id: z.number(),
  at: z.number(),
  actor_id: z.nullable(z.string()),
  actor_label: z.string(),
  action: z.string(),
  target_type: z.string(),
  target_id: z.nullable(z.string()),
  details: z.record(z.string(), z.unknown()),
});
export type AuditEntryView = z.infer<typeof auditEntryView>;

// Response envelopes of the administration endpoints.

export const adminUsersResponse = z.object({ users: z.array(adminUserView) });
export const adminUserResponse = z.object({ user: adminUserView });
export const adminPasswordResponse = z.object({ password: z.string() });
export const invitesResponse = z.object({ invites: z.array(inviteView) });
/** How many sessions a revocation ended. */
export const revokeAllSessionsResponse = z.object({ sessions_ended: z.number() });
export const auditResponse = z.object({ entries: z.array(auditEntryView) });

/** One session of an account, as an administrator sees it: none of them is theirs. */
export const adminSessionView = z.omit(sessionView, { current: true });
export type AdminSessionView = z.infer<typeof adminSessionView>;
export const adminSessionsResponse = z.object({ sessions: z.array(adminSessionView) });
const pathId = z.string().check(z.minLength(1), z.maxLength(64));
export const adminSessionParams = z.strictObject({ id: pathId, sessionId: pathId });

/** GET /api/v1/admin/server: the server at a glance, for the admin console. */
export const adminServerResponse = z.object({
  version: z.string(),
  database: z.enum(["sqlite", "postgres"]),
  /** The node that answered, and how long it has run. */
  node_id: z.string(),
  uptime_seconds: z.number(),
  /** Open WebSockets on the node that answered. */
  sockets: z.number(),
  /** The live nodes of the cluster (one on a single server). */
  nodes: z.array(
    z.object({
      id: z.string(),
      hostname: z.string(),
      pid: z.number(),
      started_at: z.number(),
      last_seen_at: z.number(),
      knows_through: z.nullable(z.string()),
    }),
  ),
  /** Messages sent on each of the last 30 days (UTC), oldest first, today last. */
  messages_per_day: z.array(z.object({ day: z.string(), messages: z.number() })),
  /** Bytes the database holds (SQLite: the file's pages in use; PostgreSQL: the schema's tables). */
  database_bytes: z.number(),
  /** Events the log keeps (sync and resume replay them). */
  event_log: z.object({ events: z.number(), oldest_cursor: z.number(), newest_cursor: z.number() }),
  /** Uploaded files in use, each stored once. */
  uploads: z.object({ files: z.number(), bytes: z.number() }),
  /** Web Push deliveries waiting, when Web Push is on. */
  push_queue: z.nullable(z.object({ queued: z.number(), oldest_at: z.nullable(z.number()) })),
  /** Bots' outgoing events waiting to be delivered (optional: servers before it leave it out). */
  webhook_queue: z.optional(z.object({ queued: z.number(), oldest_at: z.nullable(z.number()) })),
});
export type AdminServerResponse = z.infer<typeof adminServerResponse>;

/** The settings an administrator may change while the server runs. */
export const runtimeSettings = z.object({
  registration: z.enum(["open", "invite", "closed"]),
  retention_messages_days: z.int().check(z.minimum(0), z.maximum(36_500)),
  retention_max_days: z.int().check(z.minimum(0), z.maximum(36_500)),
  max_file_bytes: z.int().check(z.minimum(1), z.maximum(Number.MAX_SAFE_INTEGER)),
});
export type RuntimeSettings = z.infer<typeof runtimeSettings>;

/** GET and PATCH /api/v1/admin/settings: what holds now, and the configuration's values. */
export const settingsResponse = z.object({ settings: runtimeSettings, defaults: runtimeSettings });

/** PATCH /api/v1/admin/settings: the settings to change; null goes back to the file's value. */
export const settingsBody = z
  .strictObject({
    registration: z.optional(z.nullable(runtimeSettings.shape.registration)),
    retention_messages_days: z.optional(z.nullable(runtimeSettings.shape.retention_messages_days)),
    retention_max_days: z.optional(z.nullable(runtimeSettings.shape.retention_max_days)),
    max_file_bytes: z.optional(z.nullable(runtimeSettings.shape.max_file_bytes)),
  })
  .check(
    z.refine((body) => Object.keys(body).length > 0, {
      message: "send at least one setting",
    }),
  );
export type SettingsBody = z.infer<typeof settingsBody>;

/** A provider's or directory's group linked to a group conversation. */
export const groupLinkView = z.object({
  id: z.string(),
  /** "oidc:<provider id>" or "ldap". */
  source: z.string(),
  group: z.string(),
  conversation_id: z.string(),
  conversation_title: z.nullable(z.string()),
  created_by: z.string(),
  created_at: z.number(),
});
export type GroupLinkView = z.infer<typeof groupLinkView>;
export const groupLinksResponse = z.object({ links: z.array(groupLinkView) });

export const createGroupLinkBody = z.strictObject({
  source: z.string().check(z.minLength(1), z.maxLength(64)),
  group: z.string().check(z.minLength(1), z.maxLength(256)),
  conversation_id: z.string().check(z.maxLength(64)),
});
export type CreateGroupLinkBody = z.infer<typeof createGroupLinkBody>;
