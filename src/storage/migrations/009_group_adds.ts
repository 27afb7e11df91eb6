/**
 * Who was added to which group by someone else, and when: the count behind
 * `[limits] group_adds_per_day`. A row outlives the membership it records, so adding a
 * person and removing them again still counts. Frozen in time.
 */
import type { Kysely, Migration } from "kysely";

export const groupAdds: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable("group_adds")
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("user_id", "text", (c) => c.notNull().references("users.id").onDelete("cascade"))
      .addColumn("conversation_id", "text", (c) =>
        c.notNull().references("conversations.id").onDelete("cascade"),
      )
      .addColumn("added_by", "text", (c) => c.notNull())
      .addColumn("added_at", "bigint", (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex("group_adds_user")
      .on("group_adds")
      .columns(["user_id", "added_at"])
      .execute();
  },
};
