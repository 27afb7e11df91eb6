/**
 * The administration API (/api/v1/admin/*) on the wire: request schemas and the views the
 * server sends back, shared with every client. Objects are strict like the rest of the API.
 */
import { z } from "zod";

export const MAX_ADMIN_PAGE = 1000;
export const MAX_INVITE_HOURS = 24 * 365;
export const DEFAULT_INVITE_HOURS = 24 * 7;

export const adminUsersQuery = z.strictObject({
  q: z.string().max(32).default(""),
  limit: z.coerce.number().int().min(1).max(MAX_ADMIN_PAGE).default(100),
});

export const adminCreateUserBody = z.strictObject({
  username: z.string(),
  /** Generated (and returned once) when left out. */
  password: z.string().optional(),
  display_name: z.string().max(64).optional(),
  is_admin: z.boolean().default(false),
});
export type AdminCreateUserBody = z.infer<typeof adminCreateUserBody>;

export const adminUpdateUserBody = z
  .strictObject({ disabled: z.boolean().optional(), is_admin: z.boolean().optional() })
  .refine((body) => body.disabled !== undefined || body.is_admin !== undefined, {
    message: "send disabled, is_admin or both",
  });
export type AdminUpdateUserBody = z.infer<typeof adminUpdateUserBody>;

// Both bodies may be left out entirely (Fastify then hands the schema a null).
export const adminResetPasswordBody = z
  .strictObject({
    /** Generated when left out. */
    password: z.string().optional(),
  })
  .nullish();

export const adminCreateInviteBody = z
  .strictObject({
    expires_in_hours: z.number().positive().max(MAX_INVITE_HOURS).optional(),
  })
  .nullish();

export const auditQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(MAX_ADMIN_PAGE).default(50),
  before: z.coerce.number().int().min(1).optional(),
});

/** A user as an administrator sees them: flags and activity included. */
export const adminUserView = z.object({
  id: z.string(),
  username: z.string(),
  display_name: z.string(),
  is_admin: z.boolean(),
  disabled: z.boolean(),
  created_at: z.number(),
  last_seen_at: z.number().nullable(),
});
export type AdminUserView = z.infer<typeof adminUserView>;

export const adminCreatedUser = z.object({
  user: adminUserView,
  /** Present only when the server generated the password. */
  password: z.string().optional(),
});
export type AdminCreatedUser = z.infer<typeof adminCreatedUser>;

export const inviteStatus = z.enum(["active", "used", "revoked", "expired"]);
export type InviteStatus = z.infer<typeof inviteStatus>;

export const inviteView = z.object({
  id: z.string(),
  status: inviteStatus,
  created_by: z.string().nullable(),
  created_at: z.number(),
  expires_at: z.number().nullable(),
  used_by: z.string().nullable(),
  used_at: z.number().nullable(),
  revoked_at: z.number().nullable(),
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
  actor_id: z.string().nullable(),
  actor_label: z.string(),
  action: z.string(),
  target_type: z.string(),
  target_id: z.string().nullable(),
  details: z.record(z.string(), z.unknown()),
});
export type AuditEntryView = z.infer<typeof auditEntryView>;

// Response envelopes of the administration endpoints.

export const adminUsersResponse = z.object({ users: z.array(adminUserView) });
export const adminUserResponse = z.object({ user: adminUserView });
export const adminPasswordResponse = z.object({ password: z.string() });
export const invitesResponse = z.object({ invites: z.array(inviteView) });
export const revokeAllSessionsResponse = z.object({ sessions_ended: z.number() });
export const auditResponse = z.object({ entries: z.array(auditEntryView) });
