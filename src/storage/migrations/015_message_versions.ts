/**
 * Edit history: each edit keeps the body it replaces, with the time that body was written
 * (the send time for the original, the earlier edit's time after that). `position` orders
 * a message's versions and only grows, so two edits in one millisecond stay in order.
 * Rows go with their message: the delete path erases them, and the foreign key cascades.
 * Frozen in time.
 */
import type { Kysely, Migration } from "kysely";

export const messageVersions: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable("message_versions")
      .addColumn("message_id", "text", (c) =>
        c.notNull().references("messages.id").onDelete("cascade"),
      )
      .addColumn("position", "integer", (c) => c.notNull())
      .addColumn("body", "text", (c) => c.notNull())
      .addColumn("written_at", "bigint", (c) => c.notNull())
      .addPrimaryKeyConstraint("message_versions_pk", ["message_id", "position"])
      .execute();
  },
};
