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
export interface AdminUserView {
  id: string;
  username: string;
  display_name: string;
  is_admin: boolean;
  disabled: boolean;
  created_at: number;
  last_seen_at: number | null;
}

export interface AdminCreatedUser {
  user: AdminUserView;
  /** Present only when the server generated the password. */
  password?: string;
}

export type InviteStatus = "active" | "used" | "revoked" | "expired";

export interface InviteView {
  id: string;
  status: InviteStatus;
  created_by: string | null;
  created_at: number;
  expires_at: number | null;
  used_by: string | null;
  used_at: number | null;
  revoked_at: number | null;
}

export interface AdminCreatedInvite {
  invite: InviteView;
  /** The code itself: shown once, only its hash is kept. */
  code: string;
}

export interface AuditEntryView {
  id: number;
  at: number;
  actor_id: string | null;
  actor_label: string;
  action: string;
  target_type: string;
  target_id: string | null;
  details: Record<string, unknown>;
}
