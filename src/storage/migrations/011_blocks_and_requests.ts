/**
 * Blocks and message requests. `blocks` holds who blocked whom. `message_requests` holds
 * the direct conversations opened by someone who shared no conversation with the other
 * person, while that person has not accepted: the row goes when they accept, so every
 * direct conversation that existed before this migration is no request. Frozen in time.
 */
import type { Kysely, Migration } from "kysely";

export const blocksAndRequests: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable("blocks")
      .addColumn("blocker_id", "text", (c) =>
        c.notNull().references("users.id").onDelete("cascade"),
      )
      .addColumn("blocked_id", "text", (c) =>
        c.notNull().references("users.id").onDelete("cascade"),
      )
      .addColumn("created_at", "bigint", (c) => c.notNull())
      .addPrimaryKeyConstraint("blocks_pk", ["blocker_id", "blocked_id"])
      .execute();
    // "Who blocked this person" is asked on every send and group add.
    await db.schema.createIndex("blocks_blocked").on("blocks").column("blocked_id").execute();
    await db.schema
      .createTable("message_requests")
      .addColumn("conversation_id", "text", (c) =>
        c.primaryKey().references("conversations.id").onDelete("cascade"),
      )
      .addColumn("recipient_id", "text", (c) =>
        c.notNull().references("users.id").onDelete("cascade"),
      )
      // "pending" or "declined".
      .addColumn("state", "text", (c) => c.notNull())
      .addColumn("created_at", "bigint", (c) => c.notNull())
      .addColumn("updated_at", "bigint", (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex("message_requests_recipient")
      .on("message_requests")
      .column("recipient_id")
      .execute();
  },
};
