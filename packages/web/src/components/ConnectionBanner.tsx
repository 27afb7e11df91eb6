/**
 * Shows when the socket is not open: what is happening and a way to retry at once.
 */
import { useEffect, useState } from "preact/hooks";
import { getSocket } from "../api.js";
import { chat } from "../state/chat.js";
import { useStore } from "../state/store.js";

function useOnline(): boolean {
  const [online, setOnline] = useState(navigator.onLine);
  useEffect(() => {
    const update = () => setOnline(navigator.onLine);
    window.addEventListener("online", update);
    window.addEventListener("offline", update);
    return () => {
      window.removeEventListener("online", update);
      window.removeEventListener("offline", update);
    };
  }, []);
  return online;
}

export function ConnectionBanner() {
  const conn = useStore(chat, (s) => s.conn);
  const online = useOnline();
  if (conn === "open" || conn === "idle" || conn === "closed" || conn === "unauthorized") {
    return null;
  }
  const text = !online
    ? "You're offline. Messages will be sent when you're back."
    : conn === "syncing"
      ? "Catching up…"
      : conn === "reconnecting"
        ? "Connection lost. Reconnecting…"
        : "Connecting…";
  return (
    <div class={conn === "reconnecting" || !online ? "banner offline" : "banner"} role="status">
      <span class="spinner" aria-hidden="true" />
      <span>{text}</span>
      {conn === "reconnecting" && online && (
        <button type="button" class="link" onClick={() => getSocket()?.reconnectNow()}>
          Retry now
        </button>
      )}
    </div>
  );
}
