/**
 * Blobs get a life of their own, so that deleting a message can never remove the bytes
 * of a concurrent upload of the same content. Each stored blob has a row in `blobs`,
 * created (or found live and locked) in the same transaction that records the upload's
 * attachment row, before any byte is written; collection marks a blob `deleting_at` in the
 * transaction that removes its last reference, and only then deletes its bytes. A blob
 * being deleted is never referred to again: the next upload of that content starts a new
 * blob under a new name (`<sha256>-<random>`), so a late delete cannot hit it.
 * Blobs stored before this migration keep their name, the bare SHA-256.
 * Attachment rows name their blobs (`blob`, `thumbnail_blob`) instead of finding them by
 * hash, and stay `pending` until their bytes are in place.
 * Frozen in time: never import application types here.
 */
import { type Kysely, type Migration, sql } from "kysely";

export const blobNames: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable("blobs")
      .addColumn("name", "text", (c) => c.primaryKey())
      .addColumn("sha256", "text", (c) => c.notNull())
      .addColumn("created_at", "bigint", (c) => c.notNull())
      // Set once no row refers to the blob: its bytes are being deleted, never reused.
      .addColumn("deleting_at", "bigint")
      .execute();
    // At most one live blob per content: every upload of it refers to that one.
    await db.schema
      .createIndex("blobs_live_sha256")
      .on("blobs")
      .column("sha256")
      .unique()
      .where(sql.ref("deleting_at"), "is", null)
      .execute();
    await db.schema
      .createIndex("blobs_deleting")
      .on("blobs")
      .column("deleting_at")
      .where(sql.ref("deleting_at"), "is not", null)
      .execute();

    await db.schema
      .alterTable("attachments")
      .addColumn("blob", "text", (c) => c.notNull().defaultTo(""))
      .execute();
    await db.schema.alterTable("attachments").addColumn("thumbnail_blob", "text").execute();
    // 1 from the row's insert until its bytes are stored: not served, not sendable.
    await db.schema
      .alterTable("attachments")
      .addColumn("pending", "integer", (c) => c.notNull().defaultTo(0))
      .execute();
    await sql`update attachments set blob = sha256, thumbnail_blob = thumbnail_sha256`.execute(db);
    await sql`insert into blobs (name, sha256, created_at)
      select sha256, sha256, min(created_at) from attachments group by sha256
      union
      select thumbnail_sha256, thumbnail_sha256, min(created_at) from attachments
        where thumbnail_sha256 is not null
        and thumbnail_sha256 not in (select sha256 from attachments)
        group by thumbnail_sha256`.execute(db);

    await db.schema.dropIndex("attachments_sha256").execute();
    await db.schema.dropIndex("attachments_thumbnail_sha256").execute();
    await db.schema.createIndex("attachments_blob").on("attachments").column("blob").execute();
    await db.schema
      .createIndex("attachments_thumbnail_blob")
      .on("attachments")
      .column("thumbnail_blob")
      .where(sql.ref("thumbnail_blob"), "is not", null)
      .execute();
  },
};
