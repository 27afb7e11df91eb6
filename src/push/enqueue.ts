/**
 * Turns the recipients of new messages into queued pushes. It runs where the pushes are
 * sent (the sender thread), so building and storing them costs the chat's event loop
 * nothing.
 */
import { randomUUID } from "node:crypto";
import type { NewQueuedPush, PushSubscriptionRow } from "../storage/push.js";
import type { Store } from "../storage/store.js";
import { messagePayload, topicFor } from "./payload.js";

/** What a push for a new message is made of. */
export interface NewMessage {
  id: string;
  conversation_id: string;
  seq: number;
  sender_id: string;
  body: string;
}

/** A message and the users to push it to. */
export interface PushesFor {
  message: NewMessage;
  userIds: string[];
}

/**
 * Queues the pushes of a batch of messages, and remembers which subscriptions were told
 * of which conversation, in one transaction: a push for each live subscription of each
 * recipient. Returns how many were queued.
 */
export async function queuePushes(
  store: Store,
  includeContent: boolean,
  wanted: PushesFor[],
): Promise<number> {
  const now = Date.now();
  const userIds = new Set(wanted.flatMap((w) => w.userIds));
  const subscriptionsOf = new Map<string, PushSubscriptionRow[]>();
  for (const row of await store.push.liveForUsers([...userIds], now)) {
    const list = subscriptionsOf.get(row.user_id) ?? [];
    list.push(row);
    subscriptionsOf.set(row.user_id, list);
  }
  if (subscriptionsOf.size === 0) return 0;
  const conversationIds = [...new Set(wanted.map((w) => w.message.conversation_id))];
  const [conversationById, senders] = await Promise.all([
    store.conversations.byIds(conversationIds),
    store.users.byIds([...new Set(wanted.map((w) => w.message.sender_id))]),
  ]);
  const pushes: NewQueuedPush[] = [];
  /** Subscriptions told of each conversation (once each: one upsert per row). */
  const told = new Map<string, Set<string>>();
  for (const { message, userIds: to } of wanted) {
    const conversation = conversationById.get(message.conversation_id);
    if (!conversation) continue;
    const senderName = senders.get(message.sender_id)?.displayName ?? "";
    const payload = messagePayload(
      {
        conversationId: message.conversation_id,
        title: conversation.type === "group" ? (conversation.title ?? "") : senderName,
        senderName,
        messageId: message.id,
        seq: message.seq,
        text: message.body,
      },
      includeContent,
    );
    const topic = topicFor(message.conversation_id);
    const marks = told.get(message.conversation_id) ?? new Set<string>();
    told.set(message.conversation_id, marks);
    for (const userId of to) {
      for (const s of subscriptionsOf.get(userId) ?? []) {
        pushes.push({
          id: randomUUID(),
          subscriptionId: s.id,
          topic,
          urgency: "high",
          payload,
          now,
        });
        marks.add(s.id);
      }
    }
  }
  if (pushes.length === 0) return 0;
  await store.transaction(async (tx) => {
    await tx.push.enqueue(pushes);
    for (const [conversationId, ids] of told)
      await tx.push.markNotified([...ids], conversationId, now);
  });
  return pushes.length;
}
