/**
 * One account's live sessions as an administrator sees them, to end one (a lost phone)
 * or all of them; the devices signed out that way are told their session has ended.
 */
import type { AdminSessionView, AdminUserView } from "@private-chat/sdk";
import { useEffect, useState } from "preact/hooks";
import { api } from "../../api.js";
import { device, listTime } from "../../format.js";
import { toast } from "../../state/notices.js";
import { UserError, useUserAction } from "./UserAction.js";

export function UserSessions({ user }: { user: AdminUserView }) {
  const [sessions, setSessions] = useState<AdminSessionView[] | null>(null);
  const { busy, error, run } = useUserAction();
  const load = async () => setSessions(await api.admin.sessions(user.id));
  useEffect(() => void run(load), [user.id]);

  const endOne = (session: AdminSessionView) =>
    run(async () => {
      await api.admin.revokeSession(user.id, session.id);
      await load();
    });
  const endAll = () =>
    run(async () => {
      const ended = await api.admin.revokeSessions(user.id);
      toast(ended === 1 ? "1 session ended." : `${ended} sessions ended.`);
      await load();
    });

  const titleId = `sessions-${user.id}`;
  return (
    <section class="admin-sessions" aria-labelledby={titleId}>
      <h4 id={titleId}>Sessions</h4>
      <UserError error={error} />
      {sessions === null && !error && <p class="muted">Loading…</p>}
      {sessions?.length === 0 && <p class="muted">No live sessions.</p>}
      {sessions && sessions.length > 0 && (
        <ul class="sessions" aria-label={`Sessions of ${user.username}`}>
          {sessions.map((s) => (
            <li key={s.id}>
              <span class="strong">{device(s.user_agent)}</span>
              <span class="muted">
                {s.ip || "unknown address"} · active {listTime(s.last_seen_at)}
              </span>
              <button type="button" class="small" disabled={busy} onClick={() => void endOne(s)}>
                End session
              </button>
            </li>
          ))}
        </ul>
      )}
      <button
        type="button"
        class="small"
        disabled={busy || !sessions?.length}
        onClick={() => void endAll()}
      >
        End all sessions
      </button>
    </section>
  );
}
