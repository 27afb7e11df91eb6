/**
 * Web Push for one server process: the VAPID key, browsers' subscriptions (bound to the
 * session that made them), and turning committed events into queued pushes: a new
 * message for each member away from every socket, and a "read" push that closes the
 * notifications on a user's other devices once they read the conversation.
 */
import { randomUUID } from "node:crypto";
import {
  MAX_PUSH_SUBSCRIPTIONS,
  type PushSubscriptionBody,
  type PushSubscriptionView,
} from "@private-chat/protocol/push";
import type { Authenticated } from "../auth/service.js";
import { AppError } from "../errors.js";
import type { CommittedEvent } from "../events/bus.js";
import { type GuardedFetch, OutboundError } from "../outbound/guarded-fetch.js";
import type { PushSubscriptionRow } from "../storage/push.js";
import type { Store } from "../storage/store.js";
import { messagePayload, readPayload, testPayload, topicFor } from "./payload.js";
import type { QueueWorker } from "./queue-worker.js";
import { pushRecipients } from "./recipients.js";
import type { VapidKeys } from "./vapid-keys.js";

export interface PushServiceDeps {
  store: Store;
  /** Undefined when push is off (a cluster without configured keys). */
  keys: VapidKeys | undefined;
  guard: GuardedFetch;
  worker: QueueWorker | undefined;
  includeContent: boolean;
  /** Whether the user had an active socket at `at` (or has one now). */
  wasActiveAt(userId: string, at: number): boolean;
  onError: (err: unknown, context: string) => void;
}

/** A subscription gets at most one test push in this long (per process). */
export const TEST_PUSH_EVERY_MS = 10_000;

/** What a push for a new message is made of. */
interface NewMessage {
  id: string;
  conversation_id: string;
  seq: number;
  sender_id: string;
  body: string;
}

function present(row: PushSubscriptionRow): PushSubscriptionView {
  return { id: row.id, endpoint: row.endpoint, created_at: Number(row.created_at) };
}

/** Apple's push service counts a push that shows nothing against the subscription. */
function showsNothingIsPunished(endpoint: string): boolean {
  try {
    return new URL(endpoint).hostname.endsWith(".push.apple.com");
  } catch {
    return true;
  }
}

export class PushService {
  /** When each subscription was last sent a test push; pruned as it is read. */
  private readonly lastTest = new Map<string, number>();

  constructor(private readonly deps: PushServiceDeps) {}

  get enabled(): boolean {
    return this.deps.keys !== undefined;
  }

  private unavailable(): AppError {
    return new AppError(
      "push_unavailable",
      "Web Push is not set up on this server: it needs [push] VAPID keys",
    );
  }

  publicKey(): string {
    if (!this.deps.keys) throw this.unavailable();
    return this.deps.keys.publicKey;
  }

  async subscribe(auth: Authenticated, body: PushSubscriptionBody): Promise<PushSubscriptionView> {
    if (!this.deps.keys) throw this.unavailable();
    try {
      await this.deps.guard.checkUrl(body.endpoint);
    } catch (err) {
      if (err instanceof OutboundError)
        throw new AppError("invalid_push_endpoint", `the push endpoint is refused: ${err.message}`);
      throw err;
    }
    const row: PushSubscriptionRow = {
      id: randomUUID(),
      user_id: auth.user.id,
      session_id: auth.session.id,
      endpoint: body.endpoint,
      p256dh: body.keys.p256dh,
      auth: body.keys.auth,
      created_at: Date.now(),
    };
    await this.deps.store.transaction((tx) => tx.push.save(row, MAX_PUSH_SUBSCRIPTIONS));
    return present(row);
  }

  async list(userId: string): Promise<PushSubscriptionView[]> {
    return (await this.deps.store.push.listForUser(userId, Date.now())).map(present);
  }

  async remove(userId: string, id: string): Promise<void> {
    if (!(await this.deps.store.push.remove(id, userId)))
      throw new AppError("not_found", "push subscription not found");
  }

  /**
   * Queues a test notification to one of the caller's live subscriptions (and only it),
   * at most one per subscription every TEST_PUSH_EVERY_MS: someone else's, or one whose
   * session ended, is not found.
   */
  async sendTest(userId: string, id: string): Promise<void> {
    if (!this.deps.keys) throw this.unavailable();
    const now = Date.now();
    const subscription = await this.deps.store.push.liveById(id, now);
    if (!subscription || subscription.user_id !== userId)
      throw new AppError("not_found", "push subscription not found");
    for (const [key, at] of this.lastTest)
      if (now - at >= TEST_PUSH_EVERY_MS) this.lastTest.delete(key);
    const last = this.lastTest.get(id);
    if (last !== undefined) {
      const wait = Math.ceil((last + TEST_PUSH_EVERY_MS - now) / 1000);
      throw new AppError(
        "rate_limited",
        `a test notification was just sent to this subscription; retry in ${wait} s`,
        undefined,
        wait,
      );
    }
    this.lastTest.set(id, now);
    await this.deps.store.push.enqueue([
      {
        id: randomUUID(),
        subscriptionId: id,
        topic: topicFor(`test:${id}`),
        urgency: "high",
        payload: testPayload(),
        now,
      },
    ]);
    this.deps.worker?.wake();
  }

  /** Sessions ended: their subscriptions go (the database is shared, so on every node). */
  sessionsEnded(userId: string, sessionIds: string[] | "all"): void {
    this.deps.store.push
      .removeForSessions(userId, sessionIds)
      .catch((err: unknown) => this.deps.onError(err, "push subscriptions of ended sessions"));
  }

  /** Committed events, on the node that committed them: queue the pushes they call for. */
  onEvents(events: CommittedEvent[]): void {
    if (!this.enabled) return;
    // A message's mentions are logged right after it, in the same batch.
    const mentioned = new Map<string, Set<string>>();
    const messages: NewMessage[] = [];
    for (const { event, userId } of events) {
      if (event.type === "mention" && userId !== null) {
        const users = mentioned.get(event.message_id) ?? new Set<string>();
        users.add(userId);
        mentioned.set(event.message_id, users);
      } else if (event.type === "message.new") messages.push(event.message);
      else if (event.type === "read") {
        this.queueRead(event.user_id, event.conversation_id, event.seq).catch((err: unknown) =>
          this.deps.onError(err, "push for a read conversation"),
        );
      }
    }
    if (messages.length === 0) return;
    // Who is away is judged as of now, not after the look-ups below.
    const at = Date.now();
    this.queueMessages(messages, mentioned, at).catch((err: unknown) =>
      this.deps.onError(err, "push for new messages"),
    );
  }

  private async queueMessages(
    messages: NewMessage[],
    mentioned: ReadonlyMap<string, ReadonlySet<string>>,
    at: number,
  ): Promise<void> {
    const isActive = (userId: string) => this.deps.wasActiveAt(userId, at);
    const recipients = await pushRecipients(
      { store: this.deps.store, isActive },
      messages.map((m) => ({
        conversationId: m.conversation_id,
        senderId: m.sender_id,
        mentioned: mentioned.get(m.id) ?? new Set<string>(),
        at,
      })),
    );
    // One after the other: a conversation's pushes are queued in the order of its messages.
    for (const [i, message] of messages.entries()) {
      const userIds = recipients[i] ?? [];
      if (userIds.length > 0) await this.queueMessage(message, userIds);
    }
  }

  private async queueMessage(message: NewMessage, userIds: string[]): Promise<void> {
    const { store } = this.deps;
    const now = Date.now();
    const subscriptions = await store.push.liveForUsers(userIds, now);
    if (subscriptions.length === 0) return;
    const [conversation, sender] = await Promise.all([
      store.conversations.byId(message.conversation_id),
      store.users.byId(message.sender_id),
    ]);
    if (!conversation) return;
    const senderName = sender?.displayName ?? "";
    const payload = messagePayload(
      {
        conversationId: message.conversation_id,
        title: conversation.type === "group" ? (conversation.title ?? "") : senderName,
        senderName,
        messageId: message.id,
        seq: message.seq,
        text: message.body,
      },
      this.deps.includeContent,
    );
    const topic = topicFor(message.conversation_id);
    await store.transaction(async (tx) => {
      await tx.push.enqueue(
        subscriptions.map((s) => ({
          id: randomUUID(),
          subscriptionId: s.id,
          topic,
          urgency: "high",
          payload,
          now,
        })),
      );
      await tx.push.markNotified(
        subscriptions.map((s) => s.id),
        message.conversation_id,
        now,
      );
    });
    this.deps.worker?.wake();
  }

  private async queueRead(userId: string, conversationId: string, seq: number): Promise<void> {
    const { store } = this.deps;
    const now = Date.now();
    const told = await store.push.takeNotified(userId, conversationId, now);
    const targets = told.filter((s) => !showsNothingIsPunished(s.endpoint));
    if (targets.length === 0) return;
    // The same topic as the message pushes: an undelivered one is replaced by this.
    const topic = topicFor(conversationId);
    await store.push.enqueue(
      targets.map((s) => ({
        id: randomUUID(),
        subscriptionId: s.id,
        topic,
        urgency: "normal",
        payload: readPayload(conversationId, seq),
        now,
      })),
    );
    this.deps.worker?.wake();
  }
}
