/**
 * Pinned messages. `pins`: one row per pinned message (a message is pinned once), with
 * its conversation, who pinned it and when; it goes with the message, the conversation
 * and the account of whoever pinned it. `conversations.members_can_pin`: 1 when every
 * member of a group may pin, 0 (the default) when only the owner and admins may.
 * Frozen in time.
 */
import type { Kysely, Migration } from "kysely";

export const pins: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable("pins")
      .addColumn("message_id", "text", (c) =>
        c.primaryKey().references("messages.id").onDelete("cascade"),
      )
      .addColumn("conversation_id", "text", (c) =>
        c.notNull().references("conversations.id").onDelete("cascade"),
      )
      .addColumn("pinned_by", "text", (c) => c.notNull().references("users.id").onDelete("cascade"))
      .addColumn("pinned_at", "bigint", (c) => c.notNull())
      .execute();
    // The list and the cap read a conversation's pins, the newest first.
    await db.schema
      .createIndex("pins_conversation")
      .on("pins")
      .columns(["conversation_id", "pinned_at"])
      .execute();
    await db.schema
      .alterTable("conversations")
      .addColumn("members_can_pin", "integer", (c) => c.notNull().defaultTo(0))
      .execute();
  },
};
