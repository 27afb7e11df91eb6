/**
 * Attachments: one row per upload, naming its content by SHA-256 (the blob store's key),
 * linked to a message once sent. A row with deleted_at set waits for its blobs to be
 * collected after the message that carried it was deleted.
 * Frozen in time: never import application types here.
 */
import { type Kysely, type Migration, sql } from "kysely";

export function attachments(engine: "sqlite" | "postgres"): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable("attachments")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("conversation_id", "text", (c) =>
          c.notNull().references("conversations.id").onDelete("cascade"),
        )
        .addColumn("uploader_id", "text", (c) =>
          c.notNull().references("users.id").onDelete("cascade"),
        )
        .addColumn("sha256", "text", (c) => c.notNull())
        .addColumn("name", "text", (c) => c.notNull())
        .addColumn("size", "bigint", (c) => c.notNull())
        .addColumn("content_type", "text", (c) => c.notNull())
        .addColumn("width", "integer")
        .addColumn("height", "integer")
        .addColumn("has_thumbnail", "integer", (c) => c.notNull().defaultTo(0))
        // The thumbnail is a blob of its own, content-addressed like the file.
        .addColumn("thumbnail_sha256", "text")
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .addColumn("message_id", "text", (c) => c.references("messages.id").onDelete("set null"))
        // Order within the message, as the sender listed the ids.
        .addColumn("position", "integer", (c) => c.notNull().defaultTo(0))
        .addColumn("deleted_at", "bigint")
        .execute();
      await db.schema
        .createIndex("attachments_message")
        .on("attachments")
        .columns(["message_id", "position"])
        .where(sql.ref("message_id"), "is not", null)
        .execute();
      await db.schema
        .createIndex("attachments_sha256")
        .on("attachments")
        .column("sha256")
        .execute();
      await db.schema
        .createIndex("attachments_thumbnail_sha256")
        .on("attachments")
        .column("thumbnail_sha256")
        .where(sql.ref("thumbnail_sha256"), "is not", null)
        .execute();
      await db.schema
        .createIndex("attachments_deleted")
        .on("attachments")
        .column("deleted_at")
        .where(sql.ref("deleted_at"), "is not", null)
        .execute();
      // The quota check sums sizes per uploader: cover it so the sum never reads the table.
      if (engine === "postgres") {
        await sql`create index attachments_uploader on attachments (uploader_id) include (size)`.execute(
          db,
        );
      } else {
        await db.schema
          .createIndex("attachments_uploader")
          .on("attachments")
          .columns(["uploader_id", "size"])
          .execute();
      }
    },
  };
}
