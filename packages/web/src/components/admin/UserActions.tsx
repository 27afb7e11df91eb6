/**
 * What an administrator can do to one account: disable or enable it, grant or remove
 * admin rights, reset its password, remove its second factors (a lost phone or key), end
 * its sessions, delete it. The server decides what
 * is allowed (an administrator cannot demote or disable themselves); its refusal is shown.
 */
import type { AdminUserView } from "@private-chat/sdk";
import { useState } from "preact/hooks";
import { api } from "../../api.js";
import { UserError, UserPassword, useUserAction } from "./UserAction.js";
import { UserDelete } from "./UserDelete.js";
import { UserSessions } from "./UserSessions.js";

export interface UserChanges {
  onChange: (user: AdminUserView) => void;
}

export function UserActions({
  id,
  user,
  onChange,
}: { id: string; user: AdminUserView } & UserChanges) {
  const { busy, error, run } = useUserAction();
  const [password, setPassword] = useState<string | null>(null);
  const [factorsRemoved, setFactorsRemoved] = useState(false);
  // Disabling and resetting the password end the sessions: the list is fetched again.
  const [sessionsRound, setSessionsRound] = useState(0);

  const update = (changes: { disabled?: boolean; is_admin?: boolean }) =>
    run(async () => {
      onChange(await api.admin.updateUser(user.id, changes));
      setSessionsRound((n) => n + 1);
    });
  const reset = () =>
    run(async () => {
      setPassword(await api.admin.resetPassword(user.id));
      setSessionsRound((n) => n + 1);
    });

  const resetFactors = () =>
    run(async () => {
      await api.admin.resetTwoFactor(user.id);
      onChange({ ...user, second_factor: false });
      setFactorsRemoved(true);
    });

  return (
    <div id={id} class="admin-user-actions">
      <div class="row-actions">
        <button
          type="button"
          class="small"
          disabled={busy}
          onClick={() => void update({ disabled: !user.disabled })}
        >
          {user.disabled ? "Enable account" : "Disable account"}
        </button>
        <button
          type="button"
          class="small"
          disabled={busy}
          onClick={() => void update({ is_admin: !user.is_admin })}
        >
          {user.is_admin ? "Remove admin rights" : "Make administrator"}
        </button>
        <button type="button" class="small" disabled={busy} onClick={() => void reset()}>
          Reset password
        </button>
        {user.second_factor && (
          <button type="button" class="small" disabled={busy} onClick={() => void resetFactors()}>
            Remove second factors
          </button>
        )}
      </div>
      <UserError error={error} />
      {factorsRemoved && (
        <p class="hint" role="status">
          {user.username} signs in with their password alone now, and sets up new factors.
        </p>
      )}
      {password && <UserPassword label={`New password for ${user.username}`} value={password} />}
      <UserSessions key={sessionsRound} user={user} />
      <UserDelete user={user} onChange={onChange} />
    </div>
  );
}
