/**
 * One account in the console's list: who it is, its flags as badges, when it was made
 * and last seen; its actions open under it on demand, which keeps the list short on a phone.
 */
import type { AdminUserView } from "@private-chat/sdk";
import { useState } from "preact/hooks";
import { lastSeen, listTime } from "../../format.js";
import { UserActions, type UserChanges } from "./UserActions.js";

function UserBadges({ user, me }: { user: AdminUserView; me: boolean }) {
  const badges = [
    me && "you",
    user.is_admin && "admin",
    user.deleted_at !== null ? "deleted" : user.disabled && "disabled",
  ].filter((badge): badge is string => typeof badge === "string");
  return (
    <>
      {badges.map((badge) => (
        <span key={badge} class={`role admin-badge badge-${badge}`}>
          {badge}
        </span>
      ))}
    </>
  );
}

export function UserRow({
  user,
  me,
  ...changes
}: { user: AdminUserView; me: boolean } & UserChanges) {
  const [open, setOpen] = useState(false);
  // A deleted account is kept for the record only: nothing can be done to it any more.
  const manageable = user.deleted_at === null;
  const panelId = `manage-${user.id}`;
  return (
    <li class="admin-user">
      <div class="admin-user-head">
        <div class="admin-user-who">
          <span class="strong">{user.display_name}</span>{" "}
          <span class="muted">@{user.username}</span> <UserBadges user={user} me={me} />
          <p class="muted admin-user-dates">
            Created {listTime(user.created_at)} ·{" "}
            {user.last_seen_at === null ? "never seen" : lastSeen(user.last_seen_at)}
          </p>
        </div>
        {manageable && (
          <button
            type="button"
            class="small"
            aria-expanded={open}
            aria-controls={open ? panelId : undefined}
            aria-label={`Manage ${user.username}`}
            onClick={() => setOpen(!open)}
          >
            Manage
          </button>
        )}
      </div>
      {open && manageable && <UserActions id={panelId} user={user} {...changes} />}
    </li>
  );
}
