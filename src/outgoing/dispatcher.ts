/**
 * Turns the event log into bots' deliveries. One node at a time reads the log from the
 * dispatcher's cursor (a row locked for the batch), queues a delivery for each event and
 * each subscription that wants it (the bot a member of the conversation, or the one
 * mentioned), and moves the cursor, in one transaction: a node that dies mid-batch
 * leaves the cursor where it was, and the next batch queues nothing twice (deliveries
 * are keyed by event). Nothing is added to the path a message is written on.
 */

import type { MessageView } from "@private-chat/protocol/chat";
import {
  type EventDelivery,
  SUBSCRIBABLE_EVENTS,
  type SubscribableEvent,
} from "@private-chat/protocol/outgoing";
import { hydrate } from "../events/hydrate.js";
import { presentMessages } from "../messages/present.js";
import type { EventDeliveryRow, Subscriber } from "../storage/event-subscriptions.js";
import type { LoggedEvent } from "../storage/events.js";
import type { Repositories, Store } from "../storage/store.js";

/** Events read per transaction. */
const BATCH = 500;
const SUBSCRIBABLE = new Set<string>(SUBSCRIBABLE_EVENTS);

export interface DispatchOptions {
  /** Deliveries a subscription may have waiting; more are refused and counted. */
  queueMax: number;
  /** A delivery refused because its subscription's queue is full. */
  onRefused: (count: number) => void;
}

export class EventDispatcher {
  /** The newest event this node saw dispatched: with nothing after it, no transaction. */
  private seen = -1;

  constructor(
    private readonly store: Store,
    private readonly options: DispatchOptions,
  ) {}

  /** Dispatches what the log holds after the cursor; returns the deliveries queued. */
  async run(): Promise<number> {
    let queued = 0;
    for (;;) {
      const latest = await this.store.events.latestId();
      if (latest <= this.seen) return queued;
      const batch = await this.store.transaction((tx) => this.batch(tx, latest));
      if (batch === undefined) return queued;
      // Only once committed: a batch rolled back is read again.
      this.seen = batch.seen;
      queued += batch.queued;
      if (!batch.more) return queued;
    }
  }

  private async batch(
    tx: Repositories,
    latest: number,
  ): Promise<{ queued: number; more: boolean; seen: number } | undefined> {
    const cursor = await tx.eventSubscriptions.lockCursor(() => tx.events.latestId());
    // Another node holds the cursor: it is dispatching these.
    if (cursor === undefined) return undefined;
    if (!(await tx.eventSubscriptions.any())) {
      // `latest` was read before this check, so a subscription made since starts after it.
      await tx.eventSubscriptions.setCursor(Math.max(cursor, latest));
      return { queued: 0, more: false, seen: Math.max(cursor, latest) };
    }
    const events = await tx.events.range(cursor + 1, cursor + BATCH);
    if (events.length === 0) return { queued: 0, more: false, seen: cursor };
    const last = (events[events.length - 1] as LoggedEvent).id;
    const deliveries = await this.deliveriesOf(
      tx,
      events.filter((e) => SUBSCRIBABLE.has(e.type)),
    );
    const kept = await this.withinQueues(tx, deliveries);
    await tx.eventSubscriptions.enqueue(kept);
    await tx.eventSubscriptions.setCursor(last);
    return { queued: kept.length, more: events.length === BATCH || last < latest, seen: last };
  }

  private async deliveriesOf(tx: Repositories, logged: LoggedEvent[]): Promise<EventDeliveryRow[]> {
    if (logged.length === 0) return [];
    const events = await hydrate(tx, logged);
    const conversationIds = [
      ...new Set(events.filter((e) => e.userId === null).map((e) => e.conversationId)),
    ].filter((id): id is string => id !== null);
    const mentioned = [
      ...new Set(events.filter((e) => e.type === "mention").map((e) => e.userId)),
    ].filter((id): id is string => id !== null);
    const [inConversations, ofBots] = await Promise.all([
      tx.eventSubscriptions.inConversations(conversationIds),
      tx.eventSubscriptions.ofBots(mentioned),
    ]);
    if (inConversations.length === 0 && ofBots.length === 0) return [];
    const byConversation = group(inConversations, (s) => s.conversationId ?? "");
    const byBot = group(ofBots, (s) => s.botId);
    // Each event's JSON is read once, here.
    const parsed = events.flatMap((event) => {
      try {
        return [{ event, data: JSON.parse(event.payload) as Record<string, unknown> }];
      } catch {
        return [];
      }
    });
    const mentionMessages = await this.mentionedMessages(tx, parsed);
    const now = Date.now();
    const rows: EventDeliveryRow[] = [];
    for (const { event, data } of parsed) {
      const type = event.type as SubscribableEvent;
      const message = data.message as MessageView | undefined;
      // A message deleted since is not sent: its text must not leave now.
      if ((type === "message.new" || type === "message.updated") && message?.deleted) continue;
      let targets: Subscriber[];
      let carried: MessageView | undefined;
      let messageId = event.messageId;
      if (event.userId !== null) {
        if (type !== "mention") continue;
        targets = byBot.get(event.userId) ?? [];
        messageId = typeof data.message_id === "string" ? data.message_id : null;
        carried = messageId ? mentionMessages.get(messageId) : undefined;
        if (!carried || carried.deleted) continue;
      } else {
        targets = byConversation.get(event.conversationId ?? "") ?? [];
      }
      for (const subscription of targets) {
        if (event.id <= subscription.fromCursor || !subscription.events.includes(type)) continue;
        // An event from before the bot joined is not its to see, however late it is read.
        if (event.id <= (subscription.joinedCursor ?? 0)) continue;
        const envelope: EventDelivery = {
          id: `evt_${event.id}`,
          type,
          created_at: now,
          subscription_id: subscription.id,
          bot_id: subscription.botId,
          conversation_id: event.conversationId ?? "",
          event: data,
        };
        if (carried) envelope.message = carried;
        rows.push({
          subscription_id: subscription.id,
          event_id: envelope.id,
          cursor: event.id,
          message_id: messageId ?? (message?.id as string | undefined) ?? null,
          payload: JSON.stringify(envelope),
          created_at: now,
        });
      }
    }
    return rows;
  }

  /** The messages that mentions point at, as members see them. */
  private async mentionedMessages(
    tx: Repositories,
    parsed: { event: LoggedEvent; data: Record<string, unknown> }[],
  ): Promise<Map<string, MessageView>> {
    const ids = new Set<string>();
    for (const { event, data } of parsed) {
      if (event.type === "mention" && typeof data.message_id === "string") ids.add(data.message_id);
    }
    if (ids.size === 0) return new Map();
    const views = await presentMessages(tx, await tx.messages.byIds([...ids]));
    return new Map(views.map((view) => [view.id, view]));
  }

  /** Drops what would take a subscription's queue past the cap, and counts it. */
  private async withinQueues(
    tx: Repositories,
    rows: EventDeliveryRow[],
  ): Promise<EventDeliveryRow[]> {
    if (rows.length === 0) return rows;
    const lengths = await tx.eventSubscriptions.queueLengths([
      ...new Set(rows.map((r) => r.subscription_id)),
    ]);
    const refused = new Map<string, number>();
    const kept = rows.filter((row) => {
      const length = lengths.get(row.subscription_id) ?? 0;
      if (length >= this.options.queueMax) {
        refused.set(row.subscription_id, (refused.get(row.subscription_id) ?? 0) + 1);
        return false;
      }
      lengths.set(row.subscription_id, length + 1);
      return true;
    });
    for (const [id, count] of refused) {
      await tx.eventSubscriptions.countDropped(
        id,
        count,
        `the queue holds ${this.options.queueMax} deliveries: newer events were dropped`,
      );
      this.options.onRefused(count);
    }
    return kept;
  }
}

function group<T>(items: T[], key: (item: T) => string): Map<string, T[]> {
  const map = new Map<string, T[]>();
  for (const item of items) {
    const list = map.get(key(item)) ?? [];
    list.push(item);
    map.set(key(item), list);
  }
  return map;
}
