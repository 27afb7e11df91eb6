/**
 * Conversations, members, messages, reactions and the event log that sync reads.
 * Frozen in time: never import application types here.
 */
import { type Kysely, type Migration, sql } from "kysely";

export function conversations(engine: "sqlite" | "postgres"): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable("conversations")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("type", "text", (c) => c.notNull())
        .addColumn("title", "text")
        .addColumn("direct_key", "text", (c) => c.unique())
        .addColumn("created_by", "text", (c) => c.references("users.id").onDelete("set null"))
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .addColumn("updated_at", "bigint", (c) => c.notNull())
        .addColumn("last_seq", "bigint", (c) => c.notNull().defaultTo(0))
        .addColumn("last_activity_at", "bigint", (c) => c.notNull())
        .execute();

      await db.schema
        .createTable("conversation_members")
        .addColumn("conversation_id", "text", (c) =>
          c.notNull().references("conversations.id").onDelete("cascade"),
        )
        .addColumn("user_id", "text", (c) => c.notNull().references("users.id").onDelete("cascade"))
        .addColumn("role", "text", (c) => c.notNull())
        .addColumn("joined_at", "bigint", (c) => c.notNull())
        .addColumn("joined_seq", "bigint", (c) => c.notNull())
        .addColumn("joined_cursor", "bigint", (c) => c.notNull())
        .addColumn("read_seq", "bigint", (c) => c.notNull())
        .addPrimaryKeyConstraint("conversation_members_pk", ["conversation_id", "user_id"])
        .execute();
      await db.schema
        .createIndex("conversation_members_user")
        .on("conversation_members")
        .columns(["user_id"])
        .execute();

      await db.schema
        .createTable("messages")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("conversation_id", "text", (c) =>
          c.notNull().references("conversations.id").onDelete("cascade"),
        )
        .addColumn("seq", "bigint", (c) => c.notNull())
        .addColumn("sender_id", "text", (c) =>
          c.notNull().references("users.id").onDelete("cascade"),
        )
        .addColumn("body", "text", (c) => c.notNull())
        .addColumn("client_id", "text")
        .addColumn("reply_to", "text")
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .addColumn("edited_at", "bigint")
        .addColumn("deleted_at", "bigint")
        .execute();
      await db.schema
        .createIndex("messages_conversation_seq")
        .on("messages")
        .columns(["conversation_id", "seq"])
        .unique()
        .execute();
      await db.schema
        .createIndex("messages_client_id")
        .on("messages")
        .columns(["conversation_id", "sender_id", "client_id"])
        .unique()
        .where(sql.ref("client_id"), "is not", null)
        .execute();

      await db.schema
        .createTable("reactions")
        .addColumn("message_id", "text", (c) =>
          c.notNull().references("messages.id").onDelete("cascade"),
        )
        .addColumn("user_id", "text", (c) => c.notNull().references("users.id").onDelete("cascade"))
        .addColumn("emoji", "text", (c) => c.notNull())
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .addPrimaryKeyConstraint("reactions_pk", ["message_id", "user_id", "emoji"])
        .execute();

      // The event log: its id is the sync cursor, so it must only grow.
      const events = db.schema.createTable("events");
      const withId =
        engine === "postgres"
          ? events.addColumn("id", "bigserial", (c) => c.primaryKey())
          : events.addColumn("id", "integer", (c) => c.primaryKey().autoIncrement());
      await withId
        .addColumn("conversation_id", "text")
        .addColumn("user_id", "text")
        .addColumn("type", "text", (c) => c.notNull())
        .addColumn("payload", "text", (c) => c.notNull())
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex("events_conversation")
        .on("events")
        .columns(["conversation_id", "id"])
        .execute();
      await db.schema.createIndex("events_user").on("events").columns(["user_id", "id"]).execute();
    },
  };
}
