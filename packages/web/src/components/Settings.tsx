/**
 * Your account: sessions (sign out the others), two-factor sign-in, sign-in providers,
 * notifications and do-not-disturb hours, access tokens, password change, the people you
 * blocked, a download of your data, sign out, deleting the account.
 */

import type { SessionView } from "@private-chat/sdk";
import { useEffect, useState } from "preact/hooks";
import { api, errorText } from "../api.js";
import { device, listTime } from "../format.js";
import { chat } from "../state/chat.js";
import { session, signOut } from "../state/live.js";
import { toast } from "../state/notices.js";
import { loadBlocks } from "../state/requests.js";
import { useStore } from "../state/store.js";
import { AccessTokens } from "./AccessTokens.js";
import { Avatar } from "./Avatar.js";
import { BlockButton } from "./BlockButton.js";
import { DeleteAccount } from "./DeleteAccount.js";
import { DndSettings } from "./DndSettings.js";
import { EncryptionDevices } from "./EncryptionDevices.js";
import { KeyBackup } from "./KeyBackup.js";
import { NotificationSettings } from "./NotificationSettings.js";
import { PageHead } from "./PageHead.js";
import { ProviderLinks } from "./two-factor/ProviderLinks.js";
import { TwoFactorSettings } from "./two-factor/TwoFactorSettings.js";

/** The file name the server gave the export, or a plain one. */
function exportName(response: Response): string {
  const named = /filename="([^"]+)"/.exec(response.headers.get("content-disposition") ?? "");
  return named?.[1] ?? "private-chat-export.zip";
}

/**
 * Downloads the zip of your data. A link cannot carry the bearer token, so the zip is
 * fetched with it and saved through a blob: URL, as attachments are.
 */
function DataExport() {
  const [busy, setBusy] = useState(false);
  async function download() {
    setBusy(true);
    try {
      const response = await api.exportData();
      const url = URL.createObjectURL(await response.blob());
      const link = document.createElement("a");
      link.href = url;
      link.download = exportName(response);
      link.rel = "noopener";
      document.body.append(link);
      link.click();
      link.remove();
      // The browser has taken the file once the click is handled.
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
    } catch (err) {
      toast(errorText(err));
    }
    setBusy(false);
  }
  return (
    <section class="card" aria-labelledby="export-title">
      <h3 id="export-title">Your data</h3>
      <p class="muted">
        A zip of your profile, your conversations, the messages you wrote and their files.
      </p>
      <button type="button" disabled={busy} onClick={() => void download()}>
        {busy ? "Preparing download…" : "Download my data"}
      </button>
    </section>
  );
}

export function Settings() {
  const user = useStore(session, (s) => s.user);
  const conn = useStore(chat, (s) => s.conn);
  const [sessions, setSessions] = useState<SessionView[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const blocked = useStore(chat, (s) => s.blocked);

  const load = () =>
    api.sessions().then(
      (list) => {
        setSessions(list);
        setError(null);
      },
      (err: unknown) => setError(errorText(err)),
    );
  useEffect(() => void load(), []);
  useEffect(() => void loadBlocks(), []);

  async function signOutOthers() {
    setBusy(true);
    const others = (sessions ?? []).filter((s) => !s.current);
    const results = await Promise.allSettled(others.map((s) => api.revokeSession(s.id)));
    const failed = results.filter((r) => r.status === "rejected").length;
    toast(
      failed ? `${failed} session(s) could not be signed out.` : "Signed out of other sessions.",
    );
    await load();
    setBusy(false);
  }

  async function changePassword(event: Event) {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const data = new FormData(form);
    const next = String(data.get("new") ?? "");
    if (next !== String(data.get("confirm") ?? "")) return toast("The new passwords do not match.");
    setBusy(true);
    try {
      await api.changePassword(String(data.get("current") ?? ""), next);
      form.reset();
      toast("Password changed. Other sessions were signed out.");
      await load();
    } catch (err) {
      toast(errorText(err));
    }
    setBusy(false);
  }

  const others = (sessions ?? []).filter((s) => !s.current).length;
  return (
    <section class="page" aria-labelledby="settings-title">
      <PageHead id="settings-title" title="Settings" />
      <div class="page-body">
        {user && (
          <div class="card profile">
            <Avatar id={user.id} name={user.display_name} online={conn === "open"} />
            <div>
              <p class="strong">{user.display_name}</p>
              <p class="muted">@{user.username}</p>
            </div>
            <button type="button" class="danger-outline" onClick={() => void signOut()}>
              Sign out
            </button>
          </div>
        )}
        <div class="card">
          <h3>Sessions</h3>
          {error && (
            <p class="error" role="alert">
              {error}
            </p>
          )}
          {!sessions && !error && <p class="muted">Loading…</p>}
          <ul class="sessions">
            {sessions?.map((s) => (
              <li key={s.id}>
                <span class="strong">{device(s.user_agent)}</span>
                {s.current && <span class="role">this device</span>}
                <span class="muted">
                  {s.ip || "unknown address"} · active {listTime(s.last_seen_at)}
                </span>
              </li>
            ))}
          </ul>
          <button type="button" disabled={busy || others === 0} onClick={signOutOthers}>
            Sign out other sessions{others > 0 ? ` (${others})` : ""}
          </button>
        </div>
        <TwoFactorSettings />
        <ProviderLinks />
        <EncryptionDevices />
        <KeyBackup />
        <NotificationSettings />
        <DndSettings />
        <div class="card">
          <h3>Blocked people</h3>
          {Object.keys(blocked).length === 0 ? (
            <p class="muted">You have not blocked anyone.</p>
          ) : (
            <ul class="blocked-list" aria-label="Blocked people">
              {Object.values(blocked).map((b) => (
                <li key={b.user.id}>
                  <Avatar id={b.user.id} name={b.user.display_name} size="sm" />
                  <span>
                    <span class="strong">{b.user.display_name}</span>{" "}
                    <span class="muted">@{b.user.username}</span>
                  </span>
                  <BlockButton user={b.user} />
                </li>
              ))}
            </ul>
          )}
        </div>
        <AccessTokens />
        <DataExport />
        <form class="card stack" onSubmit={changePassword}>
          <h3>Change password</h3>
          <input
            type="text"
            name="username"
            autoComplete="username"
            value={user?.username ?? ""}
            hidden
            readOnly
          />
          <label>
            Current password
            <input name="current" type="password" autoComplete="current-password" required />
          </label>
          <label>
            New password
            <input name="new" type="password" autoComplete="new-password" minLength={8} required />
          </label>
          <label>
            Confirm new password
            <input
              name="confirm"
              type="password"
              autoComplete="new-password"
              minLength={8}
              required
            />
          </label>
          <button type="submit" class="primary" disabled={busy}>
            Change password
          </button>
        </form>
        <DeleteAccount />
      </div>
    </section>
  );
}
