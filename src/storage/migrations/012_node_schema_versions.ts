/**
 * Each running node records the newest schema migration its version knows, so that
 * `chat-server db migrate --contract` can tell whether a node of an older version still
 * runs. An expand step: older nodes leave the column empty, which reads as "older".
 * Frozen in time: never import application types here.
 */
import type { Kysely, Migration } from "kysely";

export const nodeSchemaVersions: Migration = {
  async up(db: Kysely<any>) {
    await db.schema.alterTable("nodes").addColumn("knows_through", "text").execute();
  },
};
