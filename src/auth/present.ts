/**
 * What leaves the server about users and sessions: never a hash, never a flag the caller
 * has no business reading.
 */
import type { SessionView, UserView } from "@private-chat/protocol/rest";
import type { Session } from "../storage/sessions.js";
import type { User } from "../storage/users.js";

export function presentUser(user: User): UserView {
  const view: UserView = {
    id: user.id,
    username: user.username,
    display_name: user.displayName,
    is_admin: user.isAdmin,
    is_bot: user.isBot,
    created_at: user.createdAt,
  };
  if (user.deletedAt !== null) view.deleted = true;
  return view;
}

export function presentSession(session: Session, currentId: string): SessionView {
  return {
    id: session.id,
    created_at: session.createdAt,
    last_seen_at: session.lastSeenAt,
    expires_at: session.expiresAt,
    user_agent: session.userAgent,
    ip: session.ip,
    current: session.id === currentId,
    method: session.method,
  };
}
