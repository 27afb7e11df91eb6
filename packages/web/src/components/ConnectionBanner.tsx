/**
 * Shows when the socket is not open: what is happening and a way to retry at once. With
 * no network, or no answer from the server before the list arrived, it says the screen
 * shows what this device kept, and that messages typed now go once back online. It floats
 * over the panes (styles/layout.css), so coming and going shifts nothing.
 */
import { getSocket } from "../api.js";
import { chat } from "../state/chat.js";
import { useReach } from "../state/connectivity.js";
import { useStore } from "../state/store.js";

export function ConnectionBanner() {
  const conn = useStore(chat, (s) => s.conn);
  const loaded = useStore(chat, (s) => s.loaded);
  const reach = useReach();
  if (conn === "open" || conn === "idle" || conn === "closed" || conn === "unauthorized") {
    return null;
  }
  const text =
    reach === "offline"
      ? "You're offline — showing what was saved on this device. Messages you send will go when you're back online."
      : reach === "unreachable"
        ? loaded
          ? "Connection lost. Reconnecting…"
          : "Can't reach the server — showing what was saved on this device. Messages you send will go when it's back."
        : conn === "syncing"
          ? "Catching up…"
          : "Connecting…";
  return (
    <div class={reach !== "online" ? "banner offline" : "banner"} role="status">
      <span class="spinner" aria-hidden="true" />
      <span>{text}</span>
      {reach === "unreachable" && (
        <button type="button" class="link" onClick={() => getSocket()?.reconnectNow()}>
          Retry now
        </button>
      )}
    </div>
  );
}
