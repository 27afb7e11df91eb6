/**
 * Settings an administrator changes while the server runs (settings/runtime-settings.ts):
 * one row per setting changed from the configuration file's value, whose JSON `value`
 * wins over it on every node. Frozen in time: never import application types here.
 */
import type { Kysely, Migration } from "kysely";

export const serverSettings: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable("server_settings")
      .addColumn("name", "text", (c) => c.primaryKey())
      .addColumn("value", "text", (c) => c.notNull())
      .addColumn("updated_at", "bigint", (c) => c.notNull())
      .execute();
  },
};
