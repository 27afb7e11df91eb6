/**
 * Read marks: tells the server how far the user has read a conversation they are looking
 * at, once per new message, and again after a reconnect if the mark was lost.
 */
import { getSocket } from "../api.js";
import { chat, myReadSeq } from "./chat.js";

let sent: Record<string, number> = {};
let viewing: string | null = null;

/** The conversation on screen while the page is visible, or null. */
export function setViewing(conversationId: string | null): void {
  viewing = conversationId;
  if (conversationId) markRead(conversationId);
}

export function isViewing(conversationId: string): boolean {
  return viewing === conversationId;
}

export function resetReadMarks(): void {
  sent = {};
}

export function markRead(conversationId: string): void {
  const state = chat.get();
  const conv = state.convs[conversationId];
  const socket = getSocket();
  if (!conv || !socket) return;
  const target = conv.last_seq;
  const unread = conv.unread_count > 0 || conv.mentioned;
  if (target <= myReadSeq(conv, state.me?.id) && !unread) return;
  if (socket.state !== "open" || (sent[conversationId] ?? 0) >= target) return;
  socket.read(conversationId, target);
  sent[conversationId] = target;
  chat.update((s) => {
    const c = s.convs[conversationId];
    if (!c || (c.unread_count === 0 && !c.mentioned)) return s;
    return {
      ...s,
      convs: { ...s.convs, [conversationId]: { ...c, unread_count: 0, mentioned: false } },
    };
  });
}
