/**
 * Settings → Notifications: what this browser allows, turning Web Push on (the only place
 * the app asks for permission, and only from a click) and off, a test notification, and
 * the optional sound for messages that arrive while the app is open but hidden.
 */
import { useEffect, useState } from "preact/hooks";
import { api, errorText } from "../api.js";
import { setSoundOn, soundOn } from "../notify.js";
import { type PushState, pushState, turnOffPush, turnOnPush } from "../push.js";
import { toast } from "../state/notices.js";

function Explanation({ state }: { state: PushState }) {
  switch (state.kind) {
    case "unsupported":
      return (
        <p class="muted">
          This browser cannot show notifications from Private Chat. On iPhone and iPad, add the app
          to the Home Screen first (Share, then "Add to Home Screen") and open it from there.
        </p>
      );
    case "off-on-server":
      return <p class="muted">Notifications are not set up on this server.</p>;
    case "denied":
      return (
        <p class="muted">
          Notifications are blocked for this site. Allow them in your browser's site settings (the
          icon left of the address), then come back here.
        </p>
      );
    case "default":
      return (
        <p class="muted">
          Get a notification when a message arrives while Private Chat is closed or in the
          background. Your browser will ask you to allow it.
        </p>
      );
    case "granted":
      return state.subscribed ? (
        <p class="muted">Notifications are on for this browser.</p>
      ) : (
        <p class="muted">Notifications are allowed but not turned on for this browser.</p>
      );
  }
}

export function NotificationSettings() {
  const [state, setState] = useState<PushState | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [sound, setSound] = useState(soundOn);

  const load = () => pushState().then(setState, (err: unknown) => setError(errorText(err)));
  useEffect(() => void load(), []);

  async function act(what: () => Promise<unknown>) {
    setBusy(true);
    setError(null);
    try {
      await what();
    } catch (err) {
      setError(errorText(err));
    }
    await load();
    setBusy(false);
  }

  const subscribed = state?.kind === "granted" ? state.subscribed : null;
  return (
    <section class="card" aria-labelledby="notifications-title">
      <h3 id="notifications-title">Notifications</h3>
      {!state && !error && <p class="muted">Loading…</p>}
      {state && <Explanation state={state} />}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {(state?.kind === "default" || (state?.kind === "granted" && !subscribed)) && (
        <button type="button" class="primary" disabled={busy} onClick={() => act(turnOnPush)}>
          Turn on notifications
        </button>
      )}
      {subscribed && (
        <div class="row-actions">
          <button
            type="button"
            disabled={busy}
            onClick={() =>
              act(async () => {
                await api.push.test(subscribed.id);
                toast("Test notification sent.");
              })
            }
          >
            Send a test notification
          </button>
          <button
            type="button"
            class="danger-outline"
            disabled={busy}
            onClick={() => act(turnOffPush)}
          >
            Turn off notifications
          </button>
        </div>
      )}
      <label class="check">
        <input
          type="checkbox"
          checked={sound}
          onChange={(event) => {
            const on = (event.currentTarget as HTMLInputElement).checked;
            setSoundOn(on);
            setSound(on);
          }}
        />
        Play a sound for new messages while the app is in the background
      </label>
    </section>
  );
}
