/**
 * Web Push for one server process: the VAPID key, browsers' subscriptions (bound to the
 * session that made them), and turning committed events into queued pushes: a new
 * message for each member away from every socket, and a "read" push that closes the
 * notifications on a user's other devices once they read the conversation.
 */
import { randomUUID } from "node:crypto";
import type { MessageView } from "@private-chat/protocol/chat";
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
import type { NewMessage } from "./enqueue.js";
import { readPayload, testPayload, topicFor } from "./payload.js";
import { pushRecipients } from "./recipients.js";
import type { PushSender } from "./sender.js";
import type { VapidKeys } from "./vapid-keys.js";

export interface PushServiceDeps {
  store: Store;
  /** Undefined when push is off (a cluster without configured keys). */
  keys: VapidKeys | undefined;
  guard: GuardedFetch;
  sender: PushSender | undefined;
  includeContent: boolean;
  /** Whether the user had an active socket at `at` (or has one now). */
  wasActiveAt(userId: string, at: number): boolean;
  onError: (err: unknown, context: string) => void;
}

/** A subscription gets at most one test push in this long (per process). */
export const TEST_PUSH_EVERY_MS = 10_000;

interface WaitingMessage {
  message: NewMessage;
  mentioned: ReadonlySet<string> | undefined;
  /** When it was committed: who is away is judged as of then. */
  at: number;
  /** A reply the timeline does not show goes to its thread's followers only. */
  threadOnly: string | undefined;
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
  /** Committed messages whose pushes are still to be worked out, and the run doing it. */
  private waiting: WaitingMessage[] = [];
  private queueing: Promise<void> | undefined;
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
    this.deps.sender?.wake();
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
    const messages: MessageView[] = [];
    for (const { event, userId } of events) {
      if (event.type === "mention" && userId !== null) {
        const users = mentioned.get(event.message_id) ?? new Set<string>();
        users.add(userId);
        mentioned.set(event.message_id, users);
      } else if (event.type === "message.new") {
        // A change to an encrypted group's keys is no message a person reads.
        if (!event.message.mls || event.message.mls.kind === "application")
          messages.push(event.message);
      } else if (event.type === "read") {
        this.queueRead(event.user_id, event.conversation_id, event.seq).catch((err: unknown) =>
          this.deps.onError(err, "push for a read conversation"),
        );
      }
    }
    if (messages.length === 0) return;
    // Who is away is judged as of now, not after the look-ups below.
    const at = Date.now();
    for (const message of messages)
      this.waiting.push({
        message,
        mentioned: mentioned.get(message.id),
        at,
        threadOnly: message.also_to_conversation ? undefined : message.thread_id,
      });
    this.queueSoon();
  }

  /**
   * Queues the pushes of the messages waiting, one run at a time: what commits meanwhile
   * waits for the next run and shares it, so the statements per message fall as the load
   * rises rather than piling up on the database.
   */
  private queueSoon(): void {
    if (this.queueing || this.waiting.length === 0) return;
    const batch = this.waiting.splice(0);
    this.queueing = this.queueMessages(batch)
      .catch((err: unknown) => this.deps.onError(err, "push for new messages"))
      .finally(() => {
        this.queueing = undefined;
        this.queueSoon();
      });
  }

  private async queueMessages(batch: WaitingMessage[]): Promise<void> {
    const recipients = await pushRecipients(
      { store: this.deps.store, isActive: this.deps.wasActiveAt },
      batch.map(({ message, mentioned, at, threadOnly }) => ({
        conversationId: message.conversation_id,
        senderId: message.sender_id,
        mentioned: mentioned ?? new Set<string>(),
        at,
        threadOnly,
      })),
    );
    const wanted = batch
      .map(({ message }, i) => ({ message, userIds: recipients[i] ?? [] }))
      .filter((m) => m.userIds.length > 0);
    // The sender builds, encrypts and stores the pushes, off this event loop.
    if (wanted.length > 0) await this.deps.sender?.queue(wanted);
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
    this.deps.sender?.wake();
  }
}
