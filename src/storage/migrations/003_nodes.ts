/**
 * The nodes serving this database, each refreshing its row while it runs, so a node can
 * tell at start whether others share the database. Frozen in time.
 */
import type { Kysely, Migration } from "kysely";

export const nodes: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable("nodes")
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("hostname", "text", (c) => c.notNull())
      .addColumn("pid", "integer", (c) => c.notNull())
      .addColumn("clustered", "integer", (c) => c.notNull())
      .addColumn("started_at", "bigint", (c) => c.notNull())
      .addColumn("last_seen_at", "bigint", (c) => c.notNull())
      .execute();
  },
};
