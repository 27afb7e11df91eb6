/**
 * The page's side of notifications. While the page is hidden it tells the server so (the
 * `focus` frame), and the server pushes; a message the socket brings meanwhile is shown
 * by the page only when no push did (push off on the server, not subscribed, or the push
 * still on its way), through the service worker's registration so both group under the
 * conversation's tag. Also the optional sound, off unless turned on in Settings.
 */

import { plainText } from "@private-chat/protocol/markup";
import { z } from "zod/mini";
import { getSocket, readStored, write } from "./api.js";
import { countOf, isNotificationData, messageNotification } from "./notify-text.js";
import { workerRegistration } from "./pwa.js";

const SOUND_KEY = "pc.notify.sound";

export function soundOn(): boolean {
  return readStored(SOUND_KEY, z.boolean()) ?? false;
}

export function setSoundOn(on: boolean): void {
  write(SOUND_KEY, on);
}

/** A short two-note chime made with Web Audio: no sound file, nothing for the CSP. */
function chime(): void {
  try {
    const audio = new AudioContext();
    const gain = audio.createGain();
    gain.gain.setValueAtTime(0.08, audio.currentTime);
    gain.gain.exponentialRampToValueAtTime(0.0001, audio.currentTime + 0.5);
    gain.connect(audio.destination);
    for (const [i, hz] of [880, 1320].entries()) {
      const tone = audio.createOscillator();
      tone.frequency.value = hz;
      tone.connect(gain);
      tone.start(audio.currentTime + i * 0.12);
      tone.stop(audio.currentTime + 0.5);
    }
    setTimeout(() => void audio.close(), 1000);
  } catch {
    // No audio output, or the browser wants a gesture first: silence.
  }
}

export interface IncomingMessage {
  conversation_id: string;
  message_id: string;
  title: string;
  sender_name: string;
  text: string;
  group: boolean;
}

/** A message for a conversation that notifies, arriving while the page is hidden. */
export async function notifyInBackground(message: IncomingMessage): Promise<void> {
  if (document.visibilityState !== "hidden") return;
  if (soundOn()) chime();
  if (!("Notification" in window) || Notification.permission !== "granted") return;
  const registration = await workerRegistration();
  if (!registration) return;
  const shown = await registration.getNotifications({ tag: message.conversation_id });
  // A push already showed this message.
  if (shown.some((n) => isNotificationData(n.data) && n.data.message_id === message.message_id))
    return;
  // A notification shows the words, not the formatting characters.
  const facts = { ...message, text: plainText(message.text) };
  const content = messageNotification(facts, countOf(shown), registration.scope);
  await registration.showNotification(content.title, content.options);
}

/** Closes the conversation's notifications (it is on screen now). */
export async function clearNotifications(conversationId: string): Promise<void> {
  const registration = await workerRegistration();
  for (const n of (await registration?.getNotifications({ tag: conversationId })) ?? []) n.close();
}

/**
 * Tells the server whether the person is looking (the `focus` frame): hidden, the server
 * may push to this person's browsers. The SDK repeats it after every reconnect.
 */
let following = false;
const applyVisibility = () => getSocket()?.focus(document.visibilityState === "visible");

export function followVisibility(): void {
  if (!following) {
    following = true;
    document.addEventListener("visibilitychange", applyVisibility);
  }
  // Called as the session is set; the session's socket is made right after.
  queueMicrotask(applyVisibility);
}
