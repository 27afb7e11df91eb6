/**
 * A one-time hint that notifications exist, pointing to Settings. It asks the browser for
 * nothing (permission is requested only by the Settings button), shows only while the
 * permission was never asked and the server has push, and goes for good once dismissed
 * or followed.
 */
import { useEffect, useState } from "preact/hooks";
import { z } from "zod/mini";
import { api, readStored, write } from "../api.js";
import { pushSupported } from "../push.js";
import { useRoute } from "../router.js";

const DISMISSED_KEY = "pc.notify.hint-dismissed";

export function NotifyHint({ hidden }: { hidden: boolean }) {
  const [show, setShow] = useState(false);
  const route = useRoute();
  useEffect(() => {
    if (readStored(DISMISSED_KEY, z.boolean()) || !pushSupported()) return;
    if (Notification.permission !== "default") return;
    api.push.key().then(
      () => setShow(true),
      () => undefined, // Push off on the server (or unreachable): nothing to suggest.
    );
  }, []);
  // Followed: Settings is where it points, so it has done its job.
  useEffect(() => {
    if (route.name === "settings" && show) dismiss();
  });
  if (!show || hidden) return null;
  function dismiss() {
    write(DISMISSED_KEY, true);
    setShow(false);
  }
  return (
    <div class="notify-hint" role="note" aria-label="Notifications hint">
      <p>
        Get a notification when a message arrives while Private Chat is closed.{" "}
        <a href="#/settings">Turn them on in Settings</a>
      </p>
      <button type="button" onClick={dismiss} aria-label="Dismiss the notifications hint">
        Dismiss
      </button>
    </div>
  );
}
