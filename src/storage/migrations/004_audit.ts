/**
 * The audit log of administrative actions (from the CLI or an admin over REST). Its id
 * only grows, so the newest entries are the highest ids. Frozen in time: never import
 * application types here.
 */
import type { Kysely, Migration } from "kysely";

export function audit(engine: "sqlite" | "postgres"): Migration {
  return {
    async up(db: Kysely<any>) {
      const table = db.schema.createTable("audit_log");
      const withId =
        engine === "postgres"
          ? table.addColumn("id", "bigserial", (c) => c.primaryKey())
          : table.addColumn("id", "integer", (c) => c.primaryKey().autoIncrement());
      await withId
        .addColumn("at", "bigint", (c) => c.notNull())
        // The label keeps naming the actor if the account is ever deleted.
        .addColumn("actor_id", "text", (c) => c.references("users.id").onDelete("set null"))
        .addColumn("actor_label", "text", (c) => c.notNull())
        .addColumn("action", "text", (c) => c.notNull())
        .addColumn("target_type", "text", (c) => c.notNull())
        .addColumn("target_id", "text")
        .addColumn("details", "text", (c) => c.notNull().defaultTo("{}"))
        .execute();
      await db.schema
        .createIndex("audit_log_target")
        .on("audit_log")
        .columns(["target_type", "target_id"])
        .execute();
    },
  };
}
