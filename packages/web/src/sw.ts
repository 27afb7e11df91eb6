/**
 * The service worker, built with the app (vite-plugin-pwa, injectManifest): it precaches
 * the app shell so the app opens with no network, shows Web Push notifications (one per
 * conversation, counting), closes them when the conversation was read elsewhere, and
 * opens the conversation when one is clicked.
 */
import { decodeWith } from "@private-chat/protocol/decode";
import { pushPayload } from "@private-chat/protocol/push";
import {
  cleanupOutdatedCaches,
  createHandlerBoundToURL,
  type PrecacheEntry,
  precacheAndRoute,
} from "workbox-precaching";
import { NavigationRoute, registerRoute } from "workbox-routing";
import {
  conversationUrl,
  countOf,
  isNotificationData,
  messageNotification,
} from "./notify-text.js";

declare const self: ServiceWorkerGlobalScope & {
  __WB_MANIFEST: (PrecacheEntry | string)[];
};

/** Where the app lives: the worker is served beside index.html. */
const SCOPE = self.registration.scope;

precacheAndRoute(self.__WB_MANIFEST);
cleanupOutdatedCaches();

// Only the app's own page falls back to the cached index.html: the API, /metrics and the
// API docs are other documents, and must fail (or load) as they are.
const appPath = new URL(SCOPE).pathname;
registerRoute(
  new NavigationRoute(createHandlerBoundToURL("index.html"), {
    allowlist: [new RegExp(`^${appPath.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}(index\\.html)?$`)],
  }),
);

// A new release takes over at once: the page is a single document that reloads its data.
self.addEventListener("install", () => void self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

async function onPush(data: PushMessageData | null): Promise<void> {
  let json: unknown;
  try {
    json = data?.json();
  } catch {
    json = undefined;
  }
  const decoded = decodeWith(pushPayload, json);
  if (!decoded.ok) {
    // Chrome wants every push to show something; one we cannot read still says so.
    await self.registration.showNotification("Private Chat", {
      body: "You have new activity.",
      tag: "private-chat",
    });
    return;
  }
  const payload = decoded.value;
  if (payload.type === "test") {
    await self.registration.showNotification(payload.title, {
      body: payload.text,
      tag: "test",
      icon: new URL("icons/icon-192.png", SCOPE).href,
    });
    return;
  }
  const shown = await self.registration.getNotifications({ tag: payload.conversation_id });
  if (payload.type === "read") {
    // Read on another device: this one's notification is stale. Chrome may show its own
    // "updated in the background" notice for a push that shows nothing (docs/NOTIFICATIONS.md).
    for (const notification of shown) notification.close();
    return;
  }
  const content = messageNotification(
    {
      conversation_id: payload.conversation_id,
      title: payload.title,
      sender_name: payload.sender_name,
      text: payload.text,
      group: payload.sender_name !== undefined && payload.sender_name !== payload.title,
      message_id: payload.message_id,
    },
    countOf(shown),
    SCOPE,
  );
  await self.registration.showNotification(content.title, content.options);
}

// One push at a time: two close together would both count the same shown notification.
let pushes: Promise<void> = Promise.resolve();
self.addEventListener("push", (event) => {
  const data = event.data;
  pushes = pushes.then(
    () => onPush(data),
    () => onPush(data),
  );
  event.waitUntil(pushes);
});

async function openConversation(conversationId: string | undefined): Promise<void> {
  const url = conversationId ? conversationUrl(SCOPE, conversationId) : SCOPE;
  const windows = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
  const open = windows.find((w) => w.url.startsWith(SCOPE)) ?? windows[0];
  if (open) {
    // The page switches its hash route itself (no reload, the socket stays up).
    open.postMessage({ type: "open-conversation", conversation_id: conversationId });
    await open.focus();
    return;
  }
  await self.clients.openWindow(url);
}

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const data: unknown = event.notification.data;
  event.waitUntil(openConversation(isNotificationData(data) ? data.conversation_id : undefined));
});
