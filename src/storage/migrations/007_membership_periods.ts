/**
 * Earlier periods of membership. A member who leaves (or is removed) and is later added
 * again reads what was said during each period they belonged, and nothing in between:
 * the current period lives in conversation_members, the closed ones here.
 * Frozen in time: never import application types here.
 */
import type { Kysely, Migration } from "kysely";

export const membershipPeriods: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable("membership_periods")
      .addColumn("conversation_id", "text", (c) =>
        c.notNull().references("conversations.id").onDelete("cascade"),
      )
      .addColumn("user_id", "text", (c) => c.notNull().references("users.id").onDelete("cascade"))
      // Messages with joined_seq < seq <= left_seq, and events with
      // joined_cursor < id <= left_cursor, belong to the period.
      .addColumn("joined_seq", "bigint", (c) => c.notNull())
      .addColumn("left_seq", "bigint", (c) => c.notNull())
      .addColumn("joined_cursor", "bigint", (c) => c.notNull())
      .addColumn("left_cursor", "bigint", (c) => c.notNull())
      .addColumn("left_at", "bigint", (c) => c.notNull())
      // Every join logs an event first, so a member's periods start at distinct cursors.
      .addPrimaryKeyConstraint("membership_periods_pk", [
        "conversation_id",
        "user_id",
        "joined_cursor",
      ])
      .execute();
  },
};
