/**
 * Turns the recipients of new messages into queued pushes. It runs where the pushes are
 * sent (the sender thread), so building and storing them costs the chat's event loop
 * nothing.
 */
import { randomUUID } from "node:crypto";
import { plainText } from "@private-chat/protocol/markup";
import { isEncrypted } from "../storage/mls-epochs.js";
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
  const pushes: (NewQueuedPush & { messageId: string })[] = [];
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
        // What a notification can show: the words, not the formatting characters.
        text: plainText(message.body),
      },
      // An encrypted message's body is ciphertext: its push says only where it is.
      includeContent && !isEncrypted(conversation),
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
          messageId: message.id,
        });
        marks.add(s.id);
      }
    }
  }
  if (pushes.length === 0) return 0;
  return store.transaction(async (tx) => {
    // A message deleted since it was sent is not pushed: its text must not leave later.
    const deleted = await tx.push.deletedAmong(wanted.map((w) => w.message.id));
    const kept = deleted.size === 0 ? pushes : pushes.filter((p) => !deleted.has(p.messageId));
    if (kept.length === 0) return 0;
    await tx.push.enqueue(kept);
    for (const [conversationId, ids] of told)
      await tx.push.markNotified([...ids], conversationId, now);
    return kept.length;
  });
}

/** Recipients stored per transaction: a burst is stored in turns, not all at once. */
const RECIPIENTS_PER_BATCH = 2000;

/**
 * Stores wanted pushes a batch at a time, in the order they came. (Storing each handed-over
 * batch at once let a burst start hundreds of transactions that waited on the one
 * connection together, each holding its payloads: the thread's heap passed 250 MB.)
 */
export class PushEnqueuer {
  private pending: PushesFor[] = [];
  private running: Promise<void> | undefined;

  constructor(
    private readonly store: Store,
    private readonly includeContent: boolean,
    private readonly onQueued: () => void,
    private readonly onError: (err: unknown) => void,
  ) {}

  add(wanted: readonly PushesFor[]): void {
    for (const entry of wanted) this.pending.push(entry);
    this.runSoon();
  }

  /** Resolves once everything handed over so far is stored (or has failed). */
  async drain(): Promise<void> {
    while (this.running) await this.running;
  }

  private runSoon(): void {
    if (this.running || this.pending.length === 0) return;
    let take = 0;
    for (let recipients = 0; take < this.pending.length && recipients < RECIPIENTS_PER_BATCH; )
      recipients += this.pending[take++]?.userIds.length ?? 0;
    const batch = this.pending.splice(0, take);
    this.running = queuePushes(this.store, this.includeContent, batch)
      .then((queued) => {
        if (queued > 0) this.onQueued();
      }, this.onError)
      .finally(() => {
        this.running = undefined;
        this.runSoon();
      });
  }
}
