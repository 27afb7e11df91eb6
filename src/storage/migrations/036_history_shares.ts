/**
 * History shared between one person's own devices (docs/E2EE.md, "Sharing from a
 * device"): `history_shares` holds each sealed archive that waits for its target device,
 * with what the device needs to check and open it (the KeyPackageRef it was sealed to,
 * HPKE's encapsulated key and wrapped key, the sender's signature), all base64url text as
 * key packages are, and `bytes`, the archive's decoded size, so that limits are a count
 * and a sum. `expires_at` is when the retention sweep removes it unread. A share goes with
 * either device (cascade), and so with its owner's account.
 * Frozen in time: never import application types here.
 */
import type { Kysely, Migration } from "kysely";

export const historyShares: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable("history_shares")
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("user_id", "text", (c) => c.notNull().references("users.id").onDelete("cascade"))
      .addColumn("to_device_id", "text", (c) =>
        c.notNull().references("devices.id").onDelete("cascade"),
      )
      .addColumn("from_device_id", "text", (c) =>
        c.notNull().references("devices.id").onDelete("cascade"),
      )
      .addColumn("bytes", "integer", (c) => c.notNull())
      .addColumn("created_at", "bigint", (c) => c.notNull())
      .addColumn("expires_at", "bigint", (c) => c.notNull())
      .addColumn("key_package_ref", "text", (c) => c.notNull())
      .addColumn("enc", "text", (c) => c.notNull())
      .addColumn("wrapped_key", "text", (c) => c.notNull())
      .addColumn("signature", "text", (c) => c.notNull())
      // Last: SQLite reads a row's columns in order, so what a listing reads stays in the
      // row's first page, before the archive's overflow pages.
      .addColumn("archive", "text", (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex("history_shares_to_device")
      .on("history_shares")
      .columns(["to_device_id", "created_at"])
      .execute();
    await db.schema
      .createIndex("history_shares_from_device")
      .on("history_shares")
      .column("from_device_id")
      .execute();
    await db.schema
      .createIndex("history_shares_expiry")
      .on("history_shares")
      .column("expires_at")
      .execute();
  },
};
