/**
 * Web Push on the page: the permission, this browser's subscription, and registering it
 * with the server (it belongs to this session, so it is registered again after each
 * sign-in). Permission is asked only from a click (Settings); at start the app only
 * re-checks, and subscribes again by itself when the server's key changed.
 */
import { ApiError } from "@private-chat/sdk";
import { z } from "zod/mini";
import { api, readStored, write } from "./api.js";
import { workerRegistration } from "./pwa.js";

export type PushState =
  | { kind: "unsupported" }
  | { kind: "off-on-server" }
  | { kind: "denied" }
  | { kind: "default" }
  | { kind: "granted"; subscribed: { id: string; endpoint: string } | null };

const REGISTERED_KEY = "pc.push";
const registered = z.object({ id: z.string(), endpoint: z.string() });

export function pushSupported(): boolean {
  return (
    "serviceWorker" in navigator &&
    "PushManager" in window &&
    "Notification" in window &&
    window.isSecureContext
  );
}

/** The server's VAPID key, or undefined when push is off there (404 push_unavailable). */
async function serverKey(): Promise<string | undefined> {
  try {
    return await api.push.key();
  } catch (err) {
    if (err instanceof ApiError && err.code === "push_unavailable") return undefined;
    throw err;
  }
}

function keyBytes(base64url: string): Uint8Array<ArrayBuffer> {
  const base64 = base64url.replace(/-/g, "+").replace(/_/g, "/");
  const binary = atob(base64.padEnd(Math.ceil(base64.length / 4) * 4, "="));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

function sameKey(subscription: PushSubscription, key: string): boolean {
  const current = subscription.options.applicationServerKey;
  if (!current) return false;
  const a = new Uint8Array(current);
  const b = keyBytes(key);
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}

async function subscription(): Promise<PushSubscription | null> {
  const registration = await workerRegistration();
  return (await registration?.pushManager.getSubscription()) ?? null;
}

/** Sends the subscription to the server (again), remembering its id there. */
async function register(sub: PushSubscription): Promise<{ id: string; endpoint: string }> {
  const json = sub.toJSON();
  const view = await api.push.subscribe({
    endpoint: sub.endpoint,
    keys: { p256dh: json.keys?.p256dh ?? "", auth: json.keys?.auth ?? "" },
  });
  const mine = { id: view.id, endpoint: view.endpoint };
  write(REGISTERED_KEY, mine);
  return mine;
}

/** Where this browser stands; asks nothing of the person. */
export async function pushState(): Promise<PushState> {
  if (!pushSupported()) return { kind: "unsupported" };
  if ((await serverKey()) === undefined) return { kind: "off-on-server" };
  if (Notification.permission === "denied") return { kind: "denied" };
  if (Notification.permission === "default") return { kind: "default" };
  const sub = await subscription();
  const known = readStored(REGISTERED_KEY, registered);
  const listed = sub ? await api.push.subscriptions() : [];
  const mine = listed.find((s) => s.endpoint === sub?.endpoint);
  return {
    kind: "granted",
    subscribed: mine ? { id: mine.id, endpoint: mine.endpoint } : (known ?? null),
  };
}

/** From a click: asks for permission, subscribes with the server's key, registers. */
export async function turnOnPush(): Promise<PushState> {
  const permission = await Notification.requestPermission();
  if (permission !== "granted") return { kind: permission === "denied" ? "denied" : "default" };
  const key = await serverKey();
  if (key === undefined) return { kind: "off-on-server" };
  const registration = await workerRegistration();
  if (!registration) return { kind: "unsupported" };
  let sub = await registration.pushManager.getSubscription();
  if (sub && !sameKey(sub, key)) {
    await sub.unsubscribe();
    sub = null;
  }
  sub ??= await registration.pushManager.subscribe({
    userVisibleOnly: true,
    applicationServerKey: keyBytes(key),
  });
  return { kind: "granted", subscribed: await register(sub) };
}

export async function turnOffPush(): Promise<void> {
  const known = readStored(REGISTERED_KEY, registered);
  const sub = await subscription();
  const listed = await api.push.subscriptions().catch(() => []);
  const ids = new Set(listed.filter((s) => s.endpoint === sub?.endpoint).map((s) => s.id));
  if (known) ids.add(known.id);
  for (const id of ids) {
    await api.push.unsubscribe(id).catch((err: unknown) => {
      if (!(err instanceof ApiError && err.status === 404)) throw err;
    });
  }
  write(REGISTERED_KEY, undefined);
  await sub?.unsubscribe();
}

/**
 * At start (signed in): when permission was given earlier, makes sure the server knows
 * this browser's subscription for this session, subscribing again if the server's key
 * changed since. Never prompts; failures only leave notifications off.
 */
export async function syncPush(): Promise<void> {
  if (!pushSupported() || Notification.permission !== "granted") return;
  const sub = await subscription();
  if (!sub) return;
  const key = await serverKey();
  if (key === undefined) return;
  if (!sameKey(sub, key)) {
    await turnOnPush();
    return;
  }
  const listed = await api.push.subscriptions();
  const mine = listed.find((s) => s.endpoint === sub.endpoint);
  if (mine) write(REGISTERED_KEY, { id: mine.id, endpoint: mine.endpoint });
  else await register(sub);
}
