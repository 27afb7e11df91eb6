/**
 * The user's notification preference of a conversation: set on the server (so every
 * device follows it) and applied here at once; the `notifications.updated` event that
 * follows, here and on the user's other devices, carries the same.
 */
import { type ConversationNotificationsBody, isMuted } from "@private-chat/sdk";
import { api, errorText, isAuthError } from "../api.js";
import { type Conv, chat } from "./chat.js";
import { end } from "./live.js";
import { toast } from "./notices.js";

/** Whether the conversation is muted now. */
export function convMuted(conv: Conv, now = Date.now()): boolean {
  return isMuted(conv.notifications?.muted_until, now);
}

export async function setNotifications(
  id: string,
  body: ConversationNotificationsBody,
): Promise<boolean> {
  try {
    const { conversation_id: _id, ...notifications } = await api.setConversationNotifications(
      id,
      body,
    );
    chat.update((s) => {
      const conv = s.convs[id];
      return conv ? { ...s, convs: { ...s.convs, [id]: { ...conv, notifications } } } : s;
    });
    return true;
  } catch (err) {
    if (isAuthError(err)) end("Your session has ended. Please sign in again.");
    else toast(errorText(err));
    return false;
  }
}
