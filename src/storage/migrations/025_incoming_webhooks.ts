/**
 * Incoming webhooks: a URL with a secret that posts into one conversation as the hook's
 * own bot account (`bot_user_id`, a user with `is_bot = 1`). Only the SHA-256 of the
 * secret is kept; deleting a hook deletes its row, so no hash lingers.
 * Frozen in time: never import application types here.
 */
import type { Kysely, Migration } from "kysely";

export const incomingWebhooks: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable("incoming_webhooks")
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("conversation_id", "text", (c) =>
        c.notNull().references("conversations.id").onDelete("cascade"),
      )
      .addColumn("bot_user_id", "text", (c) => c.notNull().unique().references("users.id"))
      .addColumn("created_by", "text", (c) => c.notNull().references("users.id"))
      .addColumn("name", "text", (c) => c.notNull())
      .addColumn("secret_hash", "text", (c) => c.notNull().unique())
      .addColumn("created_at", "bigint", (c) => c.notNull())
      .addColumn("last_used_at", "bigint")
      .execute();
    await db.schema
      .createIndex("incoming_webhooks_conversation")
      .on("incoming_webhooks")
      .column("conversation_id")
      .execute();
  },
};
