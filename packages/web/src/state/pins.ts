/**
 * Pinned messages: each conversation's list, loaded once it is opened (and kept right by
 * the pin events, see pin-list.ts), and the pin actions.
 */
import type { MessageView } from "@private-chat/sdk";
import { api, errorText, isAuthError } from "../api.js";
import { chat } from "./chat.js";
import { end } from "./live.js";
import { toast } from "./notices.js";
import { placePin, withPins } from "./pin-list.js";

const loading = new Set<string>();

/** Reads a conversation's pins unless they are loaded (or being loaded). */
export async function loadPins(conversationId: string): Promise<void> {
  if (chat.get().pins[conversationId] || loading.has(conversationId)) return;
  loading.add(conversationId);
  try {
    const list = await api.pins(conversationId);
    chat.update((s) => withPins(s, conversationId, list));
  } catch (err) {
    // Without the list the actions still offer "Pin"; the panel says it could not load.
    if (isAuthError(err)) end("Your session has ended. Please sign in again.");
  } finally {
    loading.delete(conversationId);
  }
}

function failed(err: unknown): void {
  if (isAuthError(err)) end("Your session has ended. Please sign in again.");
  else toast(errorText(err));
}

export async function pinMessage(message: MessageView): Promise<boolean> {
  try {
    const pin = await api.pinMessage(message.id);
    chat.update((s) => {
      const list = s.pins[message.conversation_id];
      return list ? withPins(s, message.conversation_id, placePin(list, pin)) : s;
    });
    return true;
  } catch (err) {
    failed(err);
    return false;
  }
}

export async function unpinMessage(message: MessageView): Promise<boolean> {
  try {
    await api.unpinMessage(message.id);
    chat.update((s) => {
      const list = s.pins[message.conversation_id];
      return list
        ? withPins(
            s,
            message.conversation_id,
            list.filter((p) => p.id !== message.id),
          )
        : s;
    });
    return true;
  } catch (err) {
    failed(err);
    return false;
  }
}

/** Lets every member of a group pin, or only the owner and admins. */
export async function setMembersCanPin(conversationId: string, allowed: boolean): Promise<boolean> {
  try {
    const conv = await api.setMembersCanPin(conversationId, allowed);
    chat.update((s) => {
      const old = s.convs[conversationId];
      if (!old) return s;
      return {
        ...s,
        convs: { ...s.convs, [conversationId]: { ...old, members_can_pin: conv.members_can_pin } },
      };
    });
    return true;
  } catch (err) {
    failed(err);
    return false;
  }
}
