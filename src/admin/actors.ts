/**
 * Who makes an admin change, and how a change is made: serialised with every other, with
 * the REST caller checked again inside the transaction, and written to the audit log in
 * it. Shared by the admin service, the run-time settings and the invites.
 */
import { lockAdminChanges, recheckCaller } from "../auth/recheck.js";
import type { Authenticated } from "../auth/service.js";
import type { AuditActor } from "../storage/audit.js";
import type { Repositories, Store } from "../storage/store.js";
import type { User } from "../storage/users.js";

/** The actor recorded for commands run on the server's own machine. */
export const CLI_ACTOR: AuditActor = { id: null, label: "cli" };

export function actorOf(user: User): AuditActor {
  return { id: user.id, label: user.username };
}

/**
 * Who makes an admin change. Over REST it carries the caller's session, which is checked
 * again (live, enabled, still an admin) inside the transaction that makes the change; the
 * CLI runs on the server's own machine and has none.
 */
export interface AdminActor extends AuditActor {
  caller?: Authenticated;
}

export type AdminAction =
  | "user.create"
  | "user.disable"
  | "user.enable"
  | "user.promote"
  | "user.demote"
  | "user.reset_password"
  | "user.reset_two_factor"
  | "user.delete"
  | "user.sessions_revoked"
  | "user.session_revoked"
  | "settings.update"
  | "invite.create"
  | "invite.revoke"
  | "sessions.revoke_all"
  | "group_link.create"
  | "group_link.delete";

/**
 * One admin change: serialised with every other (on PostgreSQL), and made only if the
 * REST caller is still allowed to make it when it commits, whatever happened while its
 * body was arriving.
 */
export function adminChange<T>(
  store: Store,
  actor: AdminActor,
  work: (tx: Repositories) => Promise<T>,
): Promise<T> {
  return store.transaction(async (tx) => {
    await lockAdminChanges(tx);
    if (actor.caller) await recheckCaller(tx, actor.caller, { admin: true });
    return work(tx);
  });
}

export async function recordAdminAction(
  tx: Repositories,
  actor: AdminActor,
  action: AdminAction,
  target: { type: "user" | "invite" | "sessions" | "group_link"; id: string | null },
  details: Record<string, unknown>,
  now: number,
): Promise<void> {
  await tx.audit.append({
    actor: { id: actor.id, label: actor.label },
    action,
    targetType: target.type,
    targetId: target.id,
    details,
    now,
  });
}
