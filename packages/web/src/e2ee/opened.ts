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

/** This browser's device id for the signed-in account; null: none; undefined: not looked yet. */
export const deviceHere = createStore<string | null | undefined>(undefined);

/** Looks again whether this browser is a device of `userId` (after Settings changed it). */
export async function lookForDevice(userId: string): Promise<void> {
  const saved = deviceSupported() ? await savedDevice(userId).catch(() => undefined) : undefined;
  deviceHere.set(saved?.device_id ?? null);
}

export function keepOpened(entries: [string, Opened][]): void {
  if (entries.length === 0) return;
  opened.update((all) => ({ ...all, ...Object.fromEntries(entries) }));
}

/** Per conversation: the last seq asked for, so a timeline shown again costs nothing. */
const asked = new Map<string, number>();

/** Opens the encrypted conversation's messages on this browser's device, if it is one. */
export async function openMessages(
  userId: string,
  conv: ConversationView,
  messages: MessageView[],
): Promise<void> {
  if (!conv.encrypted || !deviceHere.get() || messages.length === 0) return;
  const last = Math.max(...messages.map((m) => m.seq));
  if ((asked.get(conv.id) ?? 0) >= last && messages.every((m) => m.id in opened.get())) return;
  asked.set(conv.id, last);
  try {
    const { readOnDevice } = await import("./reading.js");
    keepOpened(await readOnDevice(userId, conv, messages));
  } catch (err) {
    asked.delete(conv.id);
    toast(`Encrypted messages did not open here: ${err instanceof Error ? err.message : err}`);
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
