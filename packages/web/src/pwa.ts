/**
 * The installable app's page side: registers the service worker (from the bundle, since
 * the Content-Security-Policy allows no inline script) and follows its requests to open a
 * conversation when a notification is clicked.
 */
import { chatHref, navigate } from "./router.js";

/** The service worker's registration, once it is ready; undefined where there is none. */
export function workerRegistration(): Promise<ServiceWorkerRegistration | undefined> {
  if (!("serviceWorker" in navigator)) return Promise.resolve(undefined);
  return navigator.serviceWorker.ready;
}

export function registerServiceWorker(): void {
  // Browsers without service workers, and pages not served over HTTPS (or localhost), run
  // the app as before: online only, without notifications.
  if (!("serviceWorker" in navigator) || !window.isSecureContext) return;
  navigator.serviceWorker.addEventListener("message", (event: MessageEvent<unknown>) => {
    const data = event.data as { type?: unknown; conversation_id?: unknown } | null;
    if (data?.type !== "open-conversation") return;
    navigate(typeof data.conversation_id === "string" ? chatHref(data.conversation_id) : "#/");
  });
  // Under the vite dev server there is no worker (it is built with the app): a warning.
  navigator.serviceWorker.register("./sw.js", { scope: "./" }).catch((err: unknown) => {
    console.warn("The service worker could not be registered:", err);
  });
}
