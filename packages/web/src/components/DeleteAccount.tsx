/**
 * Deleting one's own account, at the end of Settings: what happens to the messages (the
 * server's choice, from GET /server), the password asked again, and a second, explicit
 * step before anything is sent. Afterwards the app is signed out like after sign-out.
 */
import type { ServerInfo } from "@private-chat/sdk";
import { useEffect, useState } from "preact/hooks";
import { api, errorText } from "../api.js";
import { end } from "../state/live.js";
import { serverInfo } from "../state/server-info.js";

const consequence: Record<ServerInfo["accounts"]["on_delete"], string> = {
  anonymize: "Your messages stay in their conversations, shown as from “Deleted user”.",
  erase: "Every message you wrote is erased for everyone, with its files.",
};

export function DeleteAccount() {
  const [onDelete, setOnDelete] = useState<ServerInfo["accounts"]["on_delete"] | null>(null);
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    serverInfo().then(
      (info) => setOnDelete(info.accounts.on_delete),
      () => setOnDelete(null),
    );
  }, []);

  async function remove(event: Event) {
    event.preventDefault();
    const data = new FormData(event.currentTarget as HTMLFormElement);
    setBusy(true);
    setError(null);
    try {
      await api.deleteAccount(String(data.get("password") ?? ""));
      end("Your account was deleted.");
    } catch (err) {
      setError(errorText(err));
      setBusy(false);
    }
  }

  return (
    <form class="card stack" onSubmit={remove} aria-labelledby="delete-account-title">
      <h3 id="delete-account-title">Delete account</h3>
      <p class="muted">
        Your name, password and sessions go for good, and you leave every group.{" "}
        {onDelete ? consequence[onDelete] : ""} This cannot be undone.
      </p>
      {!confirming ? (
        <button type="button" class="danger-outline" onClick={() => setConfirming(true)}>
          Delete my account…
        </button>
      ) : (
        <>
          <label>
            Your password
            <input name="password" type="password" autoComplete="current-password" required />
          </label>
          {error && (
            <p class="error" role="alert">
              {error}
            </p>
          )}
          <div class="row-actions">
            <button type="submit" class="danger" disabled={busy}>
              Delete my account for good
            </button>
            <button type="button" disabled={busy} onClick={() => setConfirming(false)}>
              Cancel
            </button>
          </div>
        </>
      )}
    </form>
  );
}
