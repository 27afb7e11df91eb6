/**
 * What this browser, as a device, has opened of the encrypted conversations on screen
 * (docs/E2EE.md): each application message's plaintext by message id, or why it did not
 * open, for the timeline to show instead of "this client cannot open it". Light: the MLS
 * code (reading.ts) loads only once there is an encrypted conversation to open on a
 * browser that is a device.
 */
import type { ConversationView, MessageView } from "@private-chat/sdk";
import { toast } from "../state/notices.js";
import { createStore } from "../state/store.js";
import { deviceSupported, savedDevice } from "./browser-db.js";

/** A message as this device reads it: its text, or why not. */
export type Opened = { text: string } | { unreadable: string };

export const opened = createStore<Record<string, Opened>>({});

/**
 * Whether this browser is a device, and which, of the account last looked for (another
 * account signed in since is looked for again); undefined before any look.
 */
export const deviceHere = createStore<{ userId: string; deviceId: string | null } | undefined>(
  undefined,
);

/** This browser's device id for `userId`: null when none, undefined when not looked yet. */
export function deviceOf(
  here: { userId: string; deviceId: string | null } | undefined,
  userId: string | undefined,
): string | null | undefined {
  return here && here.userId === userId ? here.deviceId : undefined;
}

/** Looks again whether this browser is a device of `userId` (after Settings changed it). */
export async function lookForDevice(userId: string): Promise<void> {
  const saved = deviceSupported() ? await savedDevice(userId).catch(() => undefined) : undefined;
  deviceHere.set({ userId, deviceId: saved?.device_id ?? null });
}

export function keepOpened(entries: [string, Opened][]): void {
  if (entries.length === 0) return;
  opened.update((all) => ({ ...all, ...Object.fromEntries(entries) }));
}

/** Per conversation: the opening under way, which the next waits for. */
const running = new Map<string, Promise<void>>();
/** Per conversation: the last failure told, so a timeline that keeps changing tells it once. */
const told = new Map<string, string>();

/**
 * Opens the encrypted conversation's messages on this browser's device, if it is one:
 * one opening at a time per conversation, and none when every message shown is open.
 */
export function openMessages(
  userId: string,
  conv: ConversationView,
  messages: MessageView[],
): Promise<void> {
  if (!conv.encrypted || !deviceOf(deviceHere.get(), userId)) return Promise.resolve();
  const step = (running.get(conv.id) ?? Promise.resolve()).then(() =>
    openNow(userId, conv, messages),
  );
  running.set(conv.id, step);
  void step.finally(() => {
    if (running.get(conv.id) === step) running.delete(conv.id);
  });
  return step;
}

async function openNow(
  userId: string,
  conv: ConversationView,
  messages: MessageView[],
): Promise<void> {
  const shown = opened.get();
  const closed = messages.some(
    (m) => m.mls?.kind === "application" && !m.deleted && !(m.id in shown),
  );
  if (!closed) return;
  try {
    const { readOnDevice } = await import("./reading.js");
    keepOpened(await readOnDevice(userId, conv, messages));
    told.delete(conv.id);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    if (told.get(conv.id) === why) return;
    told.set(conv.id, why);
    toast(`Encrypted messages did not open here: ${why}`);
  }
}

/**
 * Sets up the group of a conversation just created as end-to-end encrypted, on this
 * browser's device. A failure is told, not thrown: the first message sent sets it up.
 */
export async function setUpOnThisBrowser(userId: string, conv: ConversationView): Promise<void> {
  try {
    const { setUpOnDevice } = await import("./reading.js");
    if (!(await setUpOnDevice(userId, conv)))
      toast(
        "Nobody else here has a device for encrypted chats yet: the first message sent once one of them has one sets the conversation up.",
      );
  } catch (err) {
    toast(
      `The encrypted conversation was not set up here (${err instanceof Error ? err.message : err}): the first message sent sets it up.`,
    );
  }
}

/** Encrypts `text` on this browser's device and sends it; the sent message. */
export async function sendEncryptedText(
  userId: string,
  conv: ConversationView,
  text: string,
): Promise<MessageView> {
  const { sendOnDevice } = await import("./reading.js");
  const message = await sendOnDevice(userId, conv, text);
  keepOpened([[message.id, { text }]]);
  return message;
}
