/**
 * Deleting an account from the console: nothing is sent until the administrator has
 * typed the username, so a slip of the finger on the wrong row cannot delete anyone.
 */
import type { AdminUserView } from "@private-chat/sdk";
import { useEffect, useRef, useState } from "preact/hooks";
import { api } from "../../api.js";
import { UserError, useUserAction } from "./UserAction.js";

export function UserDelete({
  user,
  onChange,
}: {
  user: AdminUserView;
  onChange: (user: AdminUserView) => void;
}) {
  const [confirming, setConfirming] = useState(false);
  const [typed, setTyped] = useState("");
  const { busy, error, run } = useUserAction();
  const input = useRef<HTMLInputElement>(null);
  // The button that opened the step is gone: keyboard focus goes on with the question.
  useEffect(() => {
    if (confirming) input.current?.focus();
  }, [confirming]);

  if (!confirming)
    return (
      <button type="button" class="small danger-outline" onClick={() => setConfirming(true)}>
        Delete account…
      </button>
    );

  function remove(event: Event) {
    event.preventDefault();
    void run(async () => {
      await api.admin.deleteUser(user.id);
      // Kept in the list under the name the administrator knew: the server renames it.
      onChange({ ...user, disabled: true, deleted_at: Date.now() });
    });
  }
  const titleId = `delete-${user.id}`;
  return (
    <form class="admin-confirm stack" aria-labelledby={titleId} onSubmit={remove}>
      <p id={titleId} class="strong">
        Delete @{user.username} for good?
      </p>
      <p class="muted">
        Its sessions end, its name and password go, and it leaves every group. This cannot be
        undone.
      </p>
      <label>
        Type the username to confirm
        <input
          ref={input}
          value={typed}
          onInput={(event) => setTyped(event.currentTarget.value)}
          autoComplete="off"
          spellcheck={false}
        />
      </label>
      <UserError error={error} />
      <div class="row-actions">
        <button type="submit" class="danger" disabled={busy || typed.trim() !== user.username}>
          Delete for good
        </button>
        <button type="button" disabled={busy} onClick={() => setConfirming(false)}>
          Cancel
        </button>
      </div>
    </form>
  );
}
