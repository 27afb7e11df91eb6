/**
 * PostgreSQL's search index (006) without the ciphertext of encrypted conversations: the
 * search already leaves MLS messages out in its query (033), so their entries were never
 * read, yet every encrypted message paid for a GIN update of meaningless words and the
 * index grew with them. The new index's condition is the query's own, so the planner
 * keeps using it; it is built before the old one goes, so search never goes without.
 * SQLite's index never held ciphertext (033): nothing to do there.
 * Frozen in time: never import application types here.
 */
import { type Kysely, type Migration, sql } from "kysely";

export const searchIndexSkipsCiphertext = (engine: "sqlite" | "postgres"): Migration => ({
  async up(db: Kysely<any>) {
    if (engine !== "postgres") return;
    await sql`create index messages_plain_body_search on messages
      using gin (to_tsvector('simple'::regconfig, replace(body, '<', ' ')))
      where deleted_at is null and mls_kind is null`.execute(db);
    await sql`drop index messages_body_search`.execute(db);
  },
});
