/**
 * How long a group keeps its messages: `conversations.retention_days`, null for the
 * server's default ([retention] messages_days), 0 for as long as the server allows, N for
 * N days. Messages older than that are erased by the retention sweep (messages/retention.ts).
 * `server_state`: named numbers the server keeps, here `events_pruned_through`, the newest
 * event id the event log's retention has removed: a cursor before it cannot be resumed.
 *
 * `expired_seq`: the sweep has erased (or found deleted) every message up to this seq, so
 * it starts after it instead of reading past tombstones: creation time grows with seq, so
 * what expires is always a prefix. Frozen in time: never import application types here.
 */
import type { Kysely, Migration } from "kysely";

export const retention: Migration = {
  async up(db: Kysely<any>) {
    await db.schema.alterTable("conversations").addColumn("retention_days", "integer").execute();
    await db.schema
      .alterTable("conversations")
      .addColumn("expired_seq", "bigint", (c) => c.notNull().defaultTo(0))
      .execute();
    await db.schema
      .createTable("server_state")
      .addColumn("name", "text", (c) => c.primaryKey())
      .addColumn("value", "bigint", (c) => c.notNull())
      .execute();
  },
};
