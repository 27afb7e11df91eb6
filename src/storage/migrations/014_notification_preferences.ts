/**
 * Notification preferences, kept on the server for every device of a user.
 * `notification_preferences`: per member and conversation, a chosen level (null: the
 * default, computed from the conversation's size and so never stored) and a mute
 * deadline (null: not muted). `notification_settings`: per user, do-not-disturb hours
 * (all three columns null when off). Frozen in time.
 */
import type { Kysely, Migration } from "kysely";

export const notificationPreferences: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable("notification_preferences")
      .addColumn("user_id", "text", (c) => c.notNull().references("users.id").onDelete("cascade"))
      .addColumn("conversation_id", "text", (c) =>
        c.notNull().references("conversations.id").onDelete("cascade"),
      )
      .addColumn("level", "text")
      .addColumn("muted_until", "bigint")
      .addColumn("updated_at", "bigint", (c) => c.notNull())
      // The send path asks by conversation, for the members away.
      .addPrimaryKeyConstraint("notification_preferences_pk", ["conversation_id", "user_id"])
      .execute();
    await db.schema
      .createIndex("notification_preferences_user")
      .on("notification_preferences")
      .column("user_id")
      .execute();
    await db.schema
      .createTable("notification_settings")
      .addColumn("user_id", "text", (c) =>
        c.primaryKey().references("users.id").onDelete("cascade"),
      )
      .addColumn("dnd_start", "text")
      .addColumn("dnd_end", "text")
      .addColumn("dnd_time_zone", "text")
      .addColumn("updated_at", "bigint", (c) => c.notNull())
      .execute();
  },
};
