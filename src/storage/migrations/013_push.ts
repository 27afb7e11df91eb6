/**
 * Web Push: the browsers' push subscriptions, each bound to the session that made it,
 * and the queue of pushes waiting to be sent. A queued push is claimed by one node for a
 * lease (`claimed_by`, `claimed_until`), so each is sent once in a cluster.
 * `push_notified` remembers which conversations a subscription was told of since it was
 * last read, so a "read elsewhere" push goes only where a notification may be showing.
 * Frozen in time.
 */
import type { Kysely, Migration } from "kysely";

export const push: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable("push_subscriptions")
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("user_id", "text", (c) => c.notNull().references("users.id").onDelete("cascade"))
      .addColumn("session_id", "text", (c) =>
        c.notNull().references("sessions.id").onDelete("cascade"),
      )
      .addColumn("endpoint", "text", (c) => c.notNull().unique())
      .addColumn("p256dh", "text", (c) => c.notNull())
      .addColumn("auth", "text", (c) => c.notNull())
      .addColumn("created_at", "bigint", (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex("push_subscriptions_user")
      .on("push_subscriptions")
      .columns(["user_id", "created_at"])
      .execute();
    await db.schema
      .createIndex("push_subscriptions_session")
      .on("push_subscriptions")
      .column("session_id")
      .execute();
    await db.schema
      .createTable("push_queue")
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("subscription_id", "text", (c) =>
        c.notNull().references("push_subscriptions.id").onDelete("cascade"),
      )
      .addColumn("topic", "text", (c) => c.notNull())
      .addColumn("urgency", "text", (c) => c.notNull())
      .addColumn("payload", "text", (c) => c.notNull())
      .addColumn("created_at", "bigint", (c) => c.notNull())
      .addColumn("due_at", "bigint", (c) => c.notNull())
      .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
      .addColumn("claimed_by", "text")
      .addColumn("claimed_until", "bigint")
      .execute();
    await db.schema.createIndex("push_queue_due").on("push_queue").column("due_at").execute();
    await db.schema
      .createIndex("push_queue_subscription")
      .on("push_queue")
      .column("subscription_id")
      .execute();
    await db.schema
      .createTable("push_notified")
      .addColumn("subscription_id", "text", (c) =>
        c.notNull().references("push_subscriptions.id").onDelete("cascade"),
      )
      .addColumn("conversation_id", "text", (c) => c.notNull())
      .addColumn("at", "bigint", (c) => c.notNull())
      .addPrimaryKeyConstraint("push_notified_pk", ["subscription_id", "conversation_id"])
      .execute();
  },
};
