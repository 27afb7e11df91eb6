/**
 * Outgoing integrations: event subscriptions and slash commands of bots.
 *
 * `event_subscriptions` is a bot's HTTPS URL and the events it wants, with the signing
 * secret (kept as it is: the server signs with it), the state of its delivery (the head
 * delivery's attempts and next try, the last outcome) and a lease, so that one node at a
 * time sends a subscription's deliveries, in order.
 *
 * `event_deliveries` is the queue: one row per event and subscription, keyed by the
 * event's id (so a dispatcher that runs a batch again adds nothing twice), in the order
 * of the event log's cursor. A delivery is deleted once sent or given up.
 *
 * `slash_commands` is a bot's `/name` with the URL it is sent to; a name is the server's
 * once.
 * Frozen in time: never import application types here.
 */
import type { Kysely, Migration } from "kysely";

export const outgoingIntegrations: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable("event_subscriptions")
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("bot_id", "text", (c) => c.notNull().references("users.id").onDelete("cascade"))
      .addColumn("url", "text", (c) => c.notNull())
      .addColumn("events", "text", (c) => c.notNull())
      .addColumn("secret", "text", (c) => c.notNull())
      .addColumn("created_at", "bigint", (c) => c.notNull())
      .addColumn("from_cursor", "bigint", (c) => c.notNull())
      .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
      .addColumn("retry_at", "bigint")
      .addColumn("claimed_by", "text")
      .addColumn("claimed_until", "bigint")
      .addColumn("last_attempt_at", "bigint")
      .addColumn("last_success_at", "bigint")
      .addColumn("last_status", "integer")
      .addColumn("last_error", "text")
      .addColumn("dropped", "bigint", (c) => c.notNull().defaultTo(0))
      .execute();
    await db.schema
      .createIndex("event_subscriptions_bot")
      .on("event_subscriptions")
      .column("bot_id")
      .execute();
    await db.schema
      .createTable("event_deliveries")
      .addColumn("subscription_id", "text", (c) =>
        c.notNull().references("event_subscriptions.id").onDelete("cascade"),
      )
      .addColumn("event_id", "text", (c) => c.notNull())
      .addColumn("cursor", "bigint", (c) => c.notNull())
      .addColumn("message_id", "text")
      .addColumn("payload", "text", (c) => c.notNull())
      .addColumn("created_at", "bigint", (c) => c.notNull())
      .addPrimaryKeyConstraint("event_deliveries_pk", ["subscription_id", "event_id"])
      .execute();
    await db.schema
      .createIndex("event_deliveries_order")
      .on("event_deliveries")
      .columns(["subscription_id", "cursor", "event_id"])
      .execute();
    await db.schema
      .createIndex("event_deliveries_message")
      .on("event_deliveries")
      .column("message_id")
      .execute();
    await db.schema
      .createTable("slash_commands")
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("bot_id", "text", (c) => c.notNull().references("users.id").onDelete("cascade"))
      .addColumn("name", "text", (c) => c.notNull().unique())
      .addColumn("url", "text", (c) => c.notNull())
      .addColumn("description", "text", (c) => c.notNull())
      .addColumn("usage", "text", (c) => c.notNull())
      .addColumn("secret", "text", (c) => c.notNull())
      .addColumn("created_at", "bigint", (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex("slash_commands_bot")
      .on("slash_commands")
      .column("bot_id")
      .execute();
  },
};
