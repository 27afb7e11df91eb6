/**
 * The key backup of end-to-end encryption (docs/E2EE.md, "History on a new device").
 *
 * `key_backups`: one row per person who set a recovery passphrase: their backup key
 * wrapped under a key derived from it (`wrapped_key`, base64url) and the argon2id cost and
 * salt the device used (`kdf_*`). `key_backup_chunks`: the encrypted chunks of history their
 * devices upload, each under an id the device chose (unique per person), its ciphertext as
 * base64url text (as key packages are: the copier of migrate-to-postgres moves text and
 * integers) and `bytes`, the ciphertext's decoded size, so that quotas are a sum.
 *
 * Chunk ids are listed in byte order. SQLite compares text by its bytes already; on
 * PostgreSQL the column takes collation "C", so that its order and its index are the
 * bytes' too whatever the database's default collation is.
 * Frozen in time: never import application types here.
 */
import { type Kysely, type Migration, sql } from "kysely";

export const keyBackups = (engine: "sqlite" | "postgres"): Migration => ({
  async up(db: Kysely<any>) {
    await db.schema
      .createTable("key_backups")
      .addColumn("user_id", "text", (c) =>
        c.primaryKey().references("users.id").onDelete("cascade"),
      )
      .addColumn("kdf_algorithm", "text", (c) => c.notNull())
      .addColumn("kdf_memory_kib", "integer", (c) => c.notNull())
      .addColumn("kdf_iterations", "integer", (c) => c.notNull())
      .addColumn("kdf_parallelism", "integer", (c) => c.notNull())
      .addColumn("kdf_salt", "text", (c) => c.notNull())
      .addColumn("wrapped_key", "text", (c) => c.notNull())
      .addColumn("created_at", "bigint", (c) => c.notNull())
      .addColumn("updated_at", "bigint", (c) => c.notNull())
      .execute();
    await db.schema
      .createTable("key_backup_chunks")
      .addColumn("user_id", "text", (c) =>
        c.notNull().references("key_backups.user_id").onDelete("cascade"),
      )
      .addColumn("id", engine === "postgres" ? sql`text collate "C"` : "text", (c) => c.notNull())
      .addColumn("bytes", "integer", (c) => c.notNull())
      .addColumn("updated_at", "bigint", (c) => c.notNull())
      // Last: SQLite reads a row's columns in order, so the sizes that quotas sum and pages
      // list stay in the row's first page, before the ciphertext's overflow pages.
      .addColumn("data", "text", (c) => c.notNull())
      .addPrimaryKeyConstraint("key_backup_chunks_pk", ["user_id", "id"])
      .execute();
  },
});
