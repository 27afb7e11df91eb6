/**
 * Push subscriptions and the push queue. A subscription lives as long as the session that
 * made it: it is deleted with it (revoke, password change, disable), and one whose
 * session has ended is never sent to. The queue is claimed in batches with a lease, with
 * `FOR UPDATE SKIP LOCKED` on PostgreSQL, so two nodes never claim the same push.
 */
import { type Kysely, type Selectable, sql } from "kysely";
import type { Database, PushQueueTable, PushSubscriptionsTable } from "./schema.js";
import type { DatabaseType } from "./store.js";

export type PushSubscriptionRow = Selectable<PushSubscriptionsTable>;
export type QueuedPush = Selectable<PushQueueTable>;

export interface NewQueuedPush {
  id: string;
  subscriptionId: string;
  topic: string;
  urgency: string;
  payload: string;
  now: number;
}

export class PushStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly type: DatabaseType,
  ) {}

  /**
   * Saves a subscription (replacing one with the same endpoint, which the browser reuses)
   * and drops the user's oldest beyond `maxPerUser`. Call inside a transaction.
   */
  async save(row: PushSubscriptionRow, maxPerUser: number): Promise<void> {
    await this.db.deleteFrom("push_subscriptions").where("endpoint", "=", row.endpoint).execute();
    await this.db.insertInto("push_subscriptions").values(row).execute();
    const keep = await this.db
      .selectFrom("push_subscriptions")
      .select("id")
      .where("user_id", "=", row.user_id)
      .orderBy("created_at", "desc")
      .orderBy("id", "desc")
      .limit(maxPerUser)
      .execute();
    await this.db
      .deleteFrom("push_subscriptions")
      .where("user_id", "=", row.user_id)
      .where(
        "id",
        "not in",
        keep.map((k) => k.id),
      )
      .execute();
  }

  /** The user's subscriptions whose session is live, oldest first. */
  listForUser(userId: string, now: number): Promise<PushSubscriptionRow[]> {
    return this.db
      .selectFrom("push_subscriptions as p")
      .innerJoin("sessions as s", "s.id", "p.session_id")
      .selectAll("p")
      .where("p.user_id", "=", userId)
      .where("s.revoked_at", "is", null)
      .where("s.expires_at", ">", now)
      .orderBy("p.created_at", "asc")
      .execute();
  }

  async remove(id: string, userId: string): Promise<boolean> {
    const result = await this.db
      .deleteFrom("push_subscriptions")
      .where("id", "=", id)
      .where("user_id", "=", userId)
      .executeTakeFirst();
    return result.numDeletedRows > 0n;
  }

  async removeById(id: string): Promise<void> {
    await this.db.deleteFrom("push_subscriptions").where("id", "=", id).execute();
  }

  /** Removes the subscriptions of ended sessions: every session of the user for "all". */
  async removeForSessions(userId: string, sessionIds: string[] | "all"): Promise<number> {
    let query = this.db.deleteFrom("push_subscriptions").where("user_id", "=", userId);
    if (sessionIds !== "all") {
      if (sessionIds.length === 0) return 0;
      query = query.where("session_id", "in", sessionIds);
    }
    const result = await query.executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  /**
   * Removes subscriptions whose session ended without this process hearing of it (an
   * expiry, or a revoke made by the admin command line).
   */
  async removeEnded(now: number): Promise<number> {
    const result = await this.db
      .deleteFrom("push_subscriptions")
      .where((eb) =>
        eb.not(
          eb.exists(
            eb
              .selectFrom("sessions as s")
              .innerJoin("users as u", "u.id", "s.user_id")
              .select("s.id")
              .whereRef("s.id", "=", "push_subscriptions.session_id")
              .where("s.revoked_at", "is", null)
              .where("s.expires_at", ">", now)
              .where("u.disabled", "=", 0),
          ),
        ),
      )
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  /** Subscriptions whose session is live and whose user is not disabled. */
  private live(now: number) {
    return this.db
      .selectFrom("push_subscriptions as p")
      .innerJoin("sessions as s", "s.id", "p.session_id")
      .innerJoin("users as u", "u.id", "p.user_id")
      .selectAll("p")
      .where("s.revoked_at", "is", null)
      .where("s.expires_at", ">", now)
      .where("u.disabled", "=", 0);
  }

  /** The subscriptions of `userIds` whose session is still live. */
  async liveForUsers(userIds: string[], now: number): Promise<PushSubscriptionRow[]> {
    const rows: PushSubscriptionRow[] = [];
    for (let i = 0; i < userIds.length; i += 500) {
      rows.push(
        ...(await this.live(now)
          .where("p.user_id", "in", userIds.slice(i, i + 500))
          .execute()),
      );
    }
    return rows;
  }

  /** The live subscription with this id, or undefined when it or its session is gone. */
  async liveById(id: string, now: number): Promise<PushSubscriptionRow | undefined> {
    return (await this.liveByIds([id], now)).get(id);
  }

  /** The live subscriptions among `ids`, by id: one whose session is gone is missing. */
  async liveByIds(ids: string[], now: number): Promise<Map<string, PushSubscriptionRow>> {
    const found = new Map<string, PushSubscriptionRow>();
    const unique = [...new Set(ids)];
    for (let i = 0; i < unique.length; i += 500) {
      const rows = await this.live(now)
        .where("p.id", "in", unique.slice(i, i + 500))
        .execute();
      for (const row of rows) found.set(row.id, row);
    }
    return found;
  }

  async enqueue(pushes: NewQueuedPush[]): Promise<void> {
    for (let i = 0; i < pushes.length; i += 100) {
      await this.db
        .insertInto("push_queue")
        .values(
          pushes.slice(i, i + 100).map((p) => ({
            id: p.id,
            subscription_id: p.subscriptionId,
            topic: p.topic,
            urgency: p.urgency,
            payload: p.payload,
            created_at: p.now,
            due_at: p.now,
            attempts: 0,
            claimed_by: null,
            claimed_until: null,
          })),
        )
        .execute();
    }
  }

  /**
   * Drops the queued pushes of a deleted message, which may carry its text. A push names
   * its message in its payload; the queue holds only pushes not yet sent, so reading
   * payloads stays cheap. Call inside the delete's transaction.
   */
  async dropForMessage(messageId: string): Promise<void> {
    const needle = `"message_id":${JSON.stringify(messageId)}`;
    const found =
      this.type === "postgres"
        ? sql<boolean>`strpos(payload, ${needle}) > 0`
        : sql<boolean>`instr(payload, ${needle}) > 0`;
    await this.db.deleteFrom("push_queue").where(found).execute();
  }

  /**
   * Which of these messages are deleted. On PostgreSQL the rows are locked for share until
   * the transaction ends, so a delete cannot commit between this check and the pushes the
   * caller then queues (the delete's dropForMessage would miss them).
   */
  async deletedAmong(messageIds: string[]): Promise<Set<string>> {
    const deleted = new Set<string>();
    for (let i = 0; i < messageIds.length; i += 500) {
      const query = this.db
        .selectFrom("messages")
        .select(["id", "deleted_at"])
        .where("id", "in", messageIds.slice(i, i + 500));
      const rows = await (this.type === "postgres" ? query.forShare() : query).execute();
      for (const row of rows) if (row.deleted_at !== null) deleted.add(row.id);
    }
    return deleted;
  }

  /** Remembers that these subscriptions were told of a message in `conversationId`. */
  async markNotified(
    subscriptionIds: string[],
    conversationId: string,
    now: number,
  ): Promise<void> {
    if (subscriptionIds.length === 0) return;
    await this.db
      .insertInto("push_notified")
      .values(
        subscriptionIds.map((id) => ({
          subscription_id: id,
          conversation_id: conversationId,
          at: now,
        })),
      )
      .onConflict((oc) =>
        oc.columns(["subscription_id", "conversation_id"]).doUpdateSet({ at: now }),
      )
      .execute();
  }

  /**
   * The user's live subscriptions told of `conversationId` since it was last read,
   * forgetting them: the caller sends each one "read" push.
   */
  async takeNotified(
    userId: string,
    conversationId: string,
    now: number,
  ): Promise<PushSubscriptionRow[]> {
    const rows = await this.liveForUsers([userId], now);
    if (rows.length === 0) return [];
    const told = await this.db
      .deleteFrom("push_notified")
      .where("conversation_id", "=", conversationId)
      .where(
        "subscription_id",
        "in",
        rows.map((r) => r.id),
      )
      .returning("subscription_id")
      .execute();
    const ids = new Set(told.map((t) => t.subscription_id));
    return rows.filter((r) => ids.has(r.id));
  }

  /**
   * Claims up to `limit` due pushes for `nodeId` until `now + leaseMs`. A push whose
   * lease ran out (its node died mid-send) is due again, so it is sent at most once more.
   */
  claim(nodeId: string, now: number, leaseMs: number, limit: number): Promise<QueuedPush[]> {
    return this.db
      .updateTable("push_queue")
      .set({ claimed_by: nodeId, claimed_until: now + leaseMs })
      .where("id", "in", (eb) => {
        const due = eb
          .selectFrom("push_queue")
          .select("id")
          .where("due_at", "<=", now)
          .where((w) => w.or([w("claimed_until", "is", null), w("claimed_until", "<", now)]))
          .orderBy("due_at")
          .limit(limit);
        return this.type === "postgres" ? due.forUpdate().skipLocked() : due;
      })
      .returningAll()
      .execute();
  }

  /** Deletes pushes this node has sent or given up on. */
  async finish(ids: string[], nodeId: string): Promise<void> {
    for (let i = 0; i < ids.length; i += 500) {
      await this.db
        .deleteFrom("push_queue")
        .where("id", "in", ids.slice(i, i + 500))
        .where("claimed_by", "=", nodeId)
        .execute();
    }
  }

  /** Puts a push back in the queue, to be tried again at `dueAt`. */
  async retryAt(id: string, nodeId: string, dueAt: number, attempts: number): Promise<void> {
    await this.db
      .updateTable("push_queue")
      .set({ due_at: dueAt, attempts, claimed_by: null, claimed_until: null })
      .where("id", "=", id)
      .where("claimed_by", "=", nodeId)
      .execute();
  }

  /** How many pushes wait, and when the oldest was queued (null when none). */
  async stats(): Promise<{ queued: number; oldestAt: number | null }> {
    const row = await this.db
      .selectFrom("push_queue")
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
