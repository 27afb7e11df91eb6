/**
 * Bots' event subscriptions and their delivery queue. A subscription's deliveries go out
 * one at a time, in the event log's order: a node claims the subscription (a lease, taken
 * by a conditional update, so two nodes never hold it), sends the head delivery, deletes
 * it when the receiver took it, or sets the next try when it did not. The dispatcher's
 * place in the event log is one row of `server_state`, locked while a batch is queued.
 */
import type { Kysely, Selectable } from "kysely";
import { BOT_AND_OWNER_ACTIVE } from "./active-bots.js";
import type { Database, EventDeliveriesTable, EventSubscriptionsTable } from "./schema.js";
import type { DatabaseType } from "./store.js";

export type EventSubscriptionRow = Selectable<EventSubscriptionsTable>;
export type EventDeliveryRow = Selectable<EventDeliveriesTable>;

export interface NewEventSubscription {
  id: string;
  botId: string;
  url: string;
  events: string[];
  secret: string;
  now: number;
  fromCursor: number;
}

/** A subscription that wants the events of one of its bot's conversations. */
export interface Subscriber {
  id: string;
  botId: string;
  events: string[];
  fromCursor: number;
  /** Set for a conversation the bot is a member of; absent for events about the bot alone. */
  conversationId?: string;
  /** Events of that conversation with an id above this are the bot's (it joined then). */
  joinedCursor?: number;
}

const DISPATCH_CURSOR = "event_dispatch_cursor";

function parseEvents(text: string): string[] {
  try {
    const parsed = JSON.parse(text) as unknown;
    return Array.isArray(parsed) ? parsed.filter((e): e is string => typeof e === "string") : [];
  } catch {
    return [];
  }
}

export class EventSubscriptionStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly type: DatabaseType,
  ) {}

  async create(row: NewEventSubscription): Promise<void> {
    await this.db
      .insertInto("event_subscriptions")
      .values({
        id: row.id,
        bot_id: row.botId,
        url: row.url,
        events: JSON.stringify(row.events),
        secret: row.secret,
        created_at: row.now,
        from_cursor: row.fromCursor,
        retry_at: null,
        claimed_by: null,
        claimed_until: null,
        last_attempt_at: null,
        last_success_at: null,
        last_status: null,
        last_error: null,
      })
      .execute();
  }

  byId(id: string): Promise<EventSubscriptionRow | undefined> {
    return this.db
      .selectFrom("event_subscriptions")
      .selectAll()
      .where("id", "=", id)
      .executeTakeFirst();
  }

  forBot(botId: string): Promise<EventSubscriptionRow[]> {
    return this.db
      .selectFrom("event_subscriptions")
      .selectAll()
      .where("bot_id", "=", botId)
      .orderBy("created_at")
      .orderBy("id")
      .execute();
  }

  /** Deletes a subscription and its queue. */
  async remove(id: string): Promise<void> {
    await this.db.deleteFrom("event_deliveries").where("subscription_id", "=", id).execute();
    await this.db.deleteFrom("event_subscriptions").where("id", "=", id).execute();
  }

  /** Deletes every subscription of these bots, with their queues (a bot deleted). */
  async removeForBot(botId: string): Promise<void> {
    await this.db
      .deleteFrom("event_deliveries")
      .where("subscription_id", "in", (eb) =>
        eb.selectFrom("event_subscriptions").select("id").where("bot_id", "=", botId),
      )
      .execute();
    await this.db.deleteFrom("event_subscriptions").where("bot_id", "=", botId).execute();
  }

  /** Whether any subscription exists: with none, the dispatcher only moves its cursor. */
  async any(): Promise<boolean> {
    const row = await this.db
      .selectFrom("event_subscriptions")
      .select("id")
      .limit(1)
      .executeTakeFirst();
    return row !== undefined;
  }

  /** Deliveries waiting, per subscription. */
  async queueLengths(ids: string[]): Promise<Map<string, number>> {
    const lengths = new Map<string, number>();
    if (ids.length === 0) return lengths;
    const rows = await this.db
      .selectFrom("event_deliveries")
      .select(["subscription_id", (eb) => eb.fn.countAll<number | string>().as("n")])
      .where("subscription_id", "in", ids)
      .groupBy("subscription_id")
      .execute();
    for (const row of rows) lengths.set(row.subscription_id, Number(row.n));
    return lengths;
  }

  /**
   * The subscriptions of bots that are members of these conversations now, whose bot and
   * owner are active: the ones a conversation's events go to.
   */
  async inConversations(conversationIds: string[]): Promise<Subscriber[]> {
    if (conversationIds.length === 0) return [];
    const rows = await this.db
      .selectFrom("event_subscriptions as s")
      .innerJoin("conversation_members as m", "m.user_id", "s.bot_id")
      .innerJoin("users as b", "b.id", "s.bot_id")
      .innerJoin("users as o", "o.id", "b.owner_id")
      .select([
        "s.id",
        "s.bot_id",
        "s.events",
        "s.from_cursor",
        "m.conversation_id",
        "m.joined_cursor",
      ])
      .where("m.conversation_id", "in", conversationIds)
      .where(BOT_AND_OWNER_ACTIVE)
      .execute();
    return rows.map((r) => ({
      id: r.id,
      botId: r.bot_id,
      events: parseEvents(r.events),
      fromCursor: Number(r.from_cursor),
      conversationId: r.conversation_id,
      joinedCursor: Number(r.joined_cursor),
    }));
  }

  /** The subscriptions of these bots (events meant for them alone, like a mention). */
  async ofBots(botIds: string[]): Promise<Subscriber[]> {
    if (botIds.length === 0) return [];
    const rows = await this.db
      .selectFrom("event_subscriptions as s")
      .innerJoin("users as b", "b.id", "s.bot_id")
      .innerJoin("users as o", "o.id", "b.owner_id")
      .select(["s.id", "s.bot_id", "s.events", "s.from_cursor"])
      .where("s.bot_id", "in", botIds)
      .where(BOT_AND_OWNER_ACTIVE)
      .execute();
    return rows.map((r) => ({
      id: r.id,
      botId: r.bot_id,
      events: parseEvents(r.events),
      fromCursor: Number(r.from_cursor),
    }));
  }

  /** Queues deliveries; one already queued (a batch dispatched again) is kept as it is. */
  async enqueue(rows: EventDeliveryRow[]): Promise<void> {
    for (let i = 0; i < rows.length; i += 200) {
      await this.db
        .insertInto("event_deliveries")
        .values(rows.slice(i, i + 200))
        .onConflict((oc) => oc.columns(["subscription_id", "event_id"]).doNothing())
        .execute();
    }
  }

  /** Counts deliveries refused because a subscription's queue was full. */
  async countDropped(id: string, count: number, error: string): Promise<void> {
    await this.db
      .updateTable("event_subscriptions")
      .set((eb) => ({ dropped: eb("dropped", "+", count), last_error: error }))
      .where("id", "=", id)
      .execute();
  }

  /**
   * The dispatcher's place in the event log, locked for this transaction on PostgreSQL
   * (undefined when another node holds it: that node is dispatching). Call inside a
   * transaction; the row is made at the log's head the first time.
   */
  async lockCursor(head: () => Promise<number>): Promise<number | undefined> {
    let query = this.db
      .selectFrom("server_state")
      .select("value")
      .where("name", "=", DISPATCH_CURSOR);
    if (this.type === "postgres") query = query.forUpdate().skipLocked();
    const row = await query.executeTakeFirst();
    if (row) return Number(row.value);
    const start = await head();
    const inserted = await this.db
      .insertInto("server_state")
      .values({ name: DISPATCH_CURSOR, value: start })
      .onConflict((oc) => oc.column("name").doNothing())
      .executeTakeFirst();
    // Another node made it first: it dispatches this round.
    return Number(inserted.numInsertedOrUpdatedRows ?? 0) > 0 ? start : undefined;
  }

  async setCursor(cursor: number): Promise<void> {
    await this.db
      .updateTable("server_state")
      .set({ value: cursor })
      .where("name", "=", DISPATCH_CURSOR)
      .execute();
  }

  /**
   * Claims up to `limit` subscriptions whose head delivery is due and that no live lease
   * holds, for `leaseMs`. Each claim is a conditional update: of two nodes, one wins.
   */
  async claimDue(
    nodeId: string,
    now: number,
    leaseMs: number,
    limit: number,
  ): Promise<EventSubscriptionRow[]> {
    const due = await this.db
      .selectFrom("event_subscriptions as s")
      .select("s.id")
      .where((eb) => eb.or([eb("s.retry_at", "is", null), eb("s.retry_at", "<=", now)]))
      .where((eb) => eb.or([eb("s.claimed_until", "is", null), eb("s.claimed_until", "<", now)]))
      .where(({ exists, selectFrom }) =>
        exists(
          selectFrom("event_deliveries as d")
            .select("d.event_id")
            .whereRef("d.subscription_id", "=", "s.id"),
        ),
      )
      .limit(limit)
      .execute();
    const claimed: EventSubscriptionRow[] = [];
    for (const { id } of due) {
      const result = await this.db
        .updateTable("event_subscriptions")
        .set({ claimed_by: nodeId, claimed_until: now + leaseMs })
        .where("id", "=", id)
        .where((eb) => eb.or([eb("claimed_until", "is", null), eb("claimed_until", "<", now)]))
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) === 0) continue;
      const row = await this.byId(id);
      if (row) claimed.push(row);
    }
    return claimed;
  }

  /** The next `limit` deliveries of a subscription, in the log's order. */
  heads(subscriptionId: string, limit: number): Promise<EventDeliveryRow[]> {
    return this.db
      .selectFrom("event_deliveries")
      .selectAll()
      .where("subscription_id", "=", subscriptionId)
      .orderBy("cursor")
      .orderBy("event_id")
      .limit(limit)
      .execute();
  }

  /**
   * Deliveries at the head were taken (or one was given up): they go, and the
   * subscription's state says so.
   */
  async finish(
    subscriptionId: string,
    eventIds: string[],
    outcome: { now: number; status: number | null; error: string | null; gaveUp: boolean },
  ): Promise<void> {
    if (eventIds.length === 0) return;
    await this.db
      .deleteFrom("event_deliveries")
      .where("subscription_id", "=", subscriptionId)
      .where("event_id", "in", eventIds)
      .execute();
    await this.db
      .updateTable("event_subscriptions")
      .set((eb) => ({
        attempts: 0,
        retry_at: null,
        last_attempt_at: outcome.now,
        last_status: outcome.status,
        last_error: outcome.error,
        ...(outcome.gaveUp
          ? { dropped: eb("dropped", "+", eventIds.length) }
          : { last_success_at: outcome.now }),
      }))
      .where("id", "=", subscriptionId)
      .execute();
  }

  /** The head failed: tried again at `retryAt`. */
  async failHead(
    subscriptionId: string,
    outcome: {
      now: number;
      status: number | null;
      error: string;
      retryAt: number;
      attempts: number;
    },
  ): Promise<void> {
    await this.db
      .updateTable("event_subscriptions")
      .set({
        attempts: outcome.attempts,
        retry_at: outcome.retryAt,
        last_attempt_at: outcome.now,
        last_status: outcome.status,
        last_error: outcome.error,
      })
      .where("id", "=", subscriptionId)
      .execute();
  }

  /** Extends this node's claim; false when it ran out and is another's now. */
  async renew(subscriptionId: string, nodeId: string, until: number): Promise<boolean> {
    const result = await this.db
      .updateTable("event_subscriptions")
      .set({ claimed_until: until })
      .where("id", "=", subscriptionId)
      .where("claimed_by", "=", nodeId)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  /** Gives a claim back (kept until now only when the holder is this node). */
  async release(subscriptionId: string, nodeId: string): Promise<void> {
    await this.db
      .updateTable("event_subscriptions")
      .set({ claimed_by: null, claimed_until: null })
      .where("id", "=", subscriptionId)
      .where("claimed_by", "=", nodeId)
      .execute();
  }

  /** Deliveries that carry a deleted message's text go with it. Call inside its transaction. */
  async dropForMessage(messageId: string): Promise<void> {
    await this.db.deleteFrom("event_deliveries").where("message_id", "=", messageId).execute();
  }

  /** The number of queued deliveries and the age of the oldest, for the metrics. */
  async stats(): Promise<{ queued: number; oldestAt: number | null }> {
    const row = await this.db
      .selectFrom("event_deliveries")
      .select((eb) => [
        eb.fn.countAll<number | string>().as("n"),
        eb.fn.min<number | string | null>("created_at").as("oldest"),
      ])
      .executeTakeFirst();
    return {
      queued: Number(row?.n ?? 0),
      oldestAt: row?.oldest === null || row?.oldest === undefined ? null : Number(row.oldest),
    };
  }
}
