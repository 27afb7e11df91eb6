/**
 * Whether the server can be reached, for what the screen offers: with no network (or a
 * server that does not answer) the app shows what it has, read-only, and the composer
 * still queues messages in the outbox. Actions that need the server say why they are off.
 */
import { chat } from "./chat.js";
import { createStore, useStore } from "./store.js";

export type Reach = "online" | "offline" | "unreachable";

/** The browser has no network, or it has but the server does not answer (`unreachable`). */
export function reachOf(unreachable: boolean, browserOnline: boolean): Reach {
  if (!browserOnline) return "offline";
  return unreachable ? "unreachable" : "online";
}

/** Why an action that needs the server is off, or null when it is not. */
export function unavailableReason(reach: Reach): string | null {
  if (reach === "offline") return "Not available offline";
  if (reach === "unreachable") return "Not available until the server can be reached";
  return null;
}

// One listener for the whole app (every message's toolbar asks), not one per component.
const browserOnline = createStore(typeof navigator === "undefined" ? true : navigator.onLine);
if (typeof window !== "undefined") {
  const update = () => browserOnline.set(navigator.onLine);
  window.addEventListener("online", update);
  window.addEventListener("offline", update);
}

export function useReach(): Reach {
  const unreachable = useStore(chat, (s) => s.unreachable);
  return reachOf(
    unreachable,
    useStore(browserOnline, (online) => online),
  );
}
