/**
 * Sending: a message shows at once as pending, goes through the socket's outbox (which
 * re-sends it with the same client_id after a reconnect) and is replaced by the stored
 * message on its ack. Pending sends also survive a reload.
 */
import { ApiError, type AttachmentView, randomId } from "@private-chat/sdk";
import { errorText, getSocket } from "../api.js";
import { chat, type PendingMessage } from "./chat.js";
import { forgetPending, loadOutbox, persistPending } from "./outbox.js";
import { upsertMessage } from "./reduce.js";

function setPending(pending: PendingMessage): void {
  chat.update((s) => {
    const list = s.outbox[pending.conversation_id] ?? [];
    const at = list.findIndex((p) => p.clientId === pending.clientId);
    const next = at >= 0 ? list.map((p, i) => (i === at ? pending : p)) : [...list, pending];
    return { ...s, outbox: { ...s.outbox, [pending.conversation_id]: next } };
  });
}

function transmit(pending: PendingMessage): void {
  const socket = getSocket();
  const userId = chat.get().me?.id;
  if (!socket || !userId) return;
  socket
    .send(pending.conversation_id, pending.body, {
      clientId: pending.clientId,
      ...(pending.reply_to ? { replyTo: pending.reply_to } : {}),
      ...(pending.attachments?.length
        ? { attachmentIds: pending.attachments.map((a) => a.id) }
        : {}),
      ...(pending.thread_id ? { threadId: pending.thread_id } : {}),
      ...(pending.also_to_conversation ? { alsoToConversation: true } : {}),
    })
    .then((message) => {
      forgetPending(userId, pending.clientId);
      if (getSocket() === socket) chat.update((s) => upsertMessage(s, message));
    })
    .catch((err: unknown) => {
      if (err instanceof ApiError && err.message === "cancelled") return;
      forgetPending(userId, pending.clientId);
      if (getSocket() === socket) setPending({ ...pending, failed: errorText(err) });
    });
}

/** Where a thread reply goes: its root, and whether the timeline shows it too. */
export interface ThreadTarget {
  rootId: string;
  alsoToConversation: boolean;
}

export function sendMessage(
  conversationId: string,
  body: string,
  replyTo?: string,
  attachments?: AttachmentView[],
  thread?: ThreadTarget,
): void {
  const userId = chat.get().me?.id;
  if (!userId) return;
  const pending: PendingMessage = {
    clientId: randomId(),
    conversation_id: conversationId,
    body,
    reply_to: replyTo,
    attachments,
    ...(thread ? { thread_id: thread.rootId } : {}),
    ...(thread?.alsoToConversation ? { also_to_conversation: true } : {}),
    created_at: Date.now(),
  };
  persistPending(userId, pending);
  setPending(pending);
  transmit(pending);
}

export function retrySend(pending: PendingMessage): void {
  const userId = chat.get().me?.id;
  if (!userId) return;
  const again = { ...pending, failed: undefined };
  persistPending(userId, again);
  setPending(again);
  transmit(again);
}

export function discardSend(pending: PendingMessage): void {
  const userId = chat.get().me?.id;
  if (userId) forgetPending(userId, pending.clientId);
  getSocket()?.cancel(pending.clientId);
  chat.update((s) => ({
    ...s,
    outbox: {
      ...s.outbox,
      [pending.conversation_id]: (s.outbox[pending.conversation_id] ?? []).filter(
        (p) => p.clientId !== pending.clientId,
      ),
    },
  }));
}

/** After a reload: shows and re-sends what was still pending. */
export function restoreOutbox(userId: string): void {
  for (const pending of loadOutbox(userId)) {
    setPending(pending);
    transmit(pending);
  }
}
