/**
 * What leaves the server about accounts, their sessions, invites and audit entries for an administrator:
 * more than the directory shows (flags, activity), never a hash.
 */
import type {
  AdminSessionView,
  AdminUserView,
  AuditEntryView,
  InviteStatus,
  InviteView,
} from "@private-chat/protocol/admin";
import { presentSession } from "../auth/present.js";
import type { AuditEntry } from "../storage/audit.js";
import type { Invite } from "../storage/invites.js";
import type { Session } from "../storage/sessions.js";
import type { User } from "../storage/users.js";

export function presentAdminUser(user: User): AdminUserView {
  return {
    id: user.id,
    username: user.username,
    display_name: user.displayName,
    is_admin: user.isAdmin,
    is_bot: user.isBot,
    owner_id: user.ownerId,
    disabled: user.disabled,
    created_at: user.createdAt,
    last_seen_at: user.lastSeenAt,
    deleted_at: user.deletedAt,
    second_factor: user.secondFactor,
  };
}

export function inviteStatus(invite: Invite, now: number): InviteStatus {
  if (invite.uses >= invite.maxUses) return "used";
  if (invite.revokedAt !== null) return "revoked";
  if (invite.expiresAt !== null && invite.expiresAt <= now) return "expired";
  return "active";
}

export function presentInvite(invite: Invite, now: number): InviteView {
  return {
    id: invite.id,
    status: inviteStatus(invite, now),
    created_by: invite.createdBy,
    created_at: invite.createdAt,
    expires_at: invite.expiresAt,
    used_by: invite.usedBy,
    used_at: invite.usedAt,
    revoked_at: invite.revokedAt,
    max_uses: invite.maxUses,
    uses: invite.uses,
  };
}

export function presentAdminSession(session: Session): AdminSessionView {
  const { current: _never, ...view } = presentSession(session, "");
  return view;
}

export function presentAuditEntry(entry: AuditEntry): AuditEntryView {
  return {
    id: entry.id,
    at: entry.at,
    actor_id: entry.actorId,
    actor_label: entry.actorLabel,
    action: entry.action,
    target_type: entry.targetType,
    target_id: entry.targetId,
    details: entry.details,
  };
}
