/**
 * Devices for end-to-end encrypted conversations (docs/E2EE.md) and their pools of MLS
 * key packages.
 *
 * `devices`: one row per browser profile or terminal-client installation, with its
 * Ed25519 public signature key (base64url of the 32 bytes; unique, so one key cannot
 * stand for two devices). `key_packages`: the device's uploaded key packages, each as
 * its encoded bytes (base64url) and its KeyPackageRef (unique: a package is stored once),
 * `not_after` from its MLS lifetime in milliseconds, and `last_resort` 1 for the one
 * package per device that is handed out again when the others are gone.
 * Frozen in time: never import application types here.
 */
import type { Kysely, Migration } from "kysely";

export const devices: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable("devices")
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("user_id", "text", (c) => c.notNull().references("users.id").onDelete("cascade"))
      .addColumn("name", "text", (c) => c.notNull())
      .addColumn("signature_key", "text", (c) => c.notNull().unique())
      .addColumn("created_at", "bigint", (c) => c.notNull())
      .addColumn("last_seen_at", "bigint", (c) => c.notNull())
      .execute();
    await db.schema.createIndex("devices_user").on("devices").column("user_id").execute();
    await db.schema
      .createTable("key_packages")
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("device_id", "text", (c) =>
        c.notNull().references("devices.id").onDelete("cascade"),
      )
      .addColumn("ref", "text", (c) => c.notNull().unique())
      .addColumn("key_package", "text", (c) => c.notNull())
      .addColumn("not_after", "bigint", (c) => c.notNull())
      .addColumn("last_resort", "integer", (c) => c.notNull().defaultTo(0))
      .addColumn("created_at", "bigint", (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex("key_packages_device")
      .on("key_packages")
      .columns(["device_id", "last_resort", "created_at"])
      .execute();
  },
};
