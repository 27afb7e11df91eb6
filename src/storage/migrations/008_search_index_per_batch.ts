/**
 * SQLite: new messages are no longer indexed for search by a trigger, row by row, but by
 * the code that stores them, once per transaction (src/storage/sqlite/search-index.ts).
 * FTS5 flushes what it has pending whenever another statement of the transaction begins,
 * so a trigger left one index segment per message, several times the cost of the message
 * itself; indexing a whole batch in one statement leaves one. Edits and deletes keep
 * their triggers. PostgreSQL's index needs nothing.
 * Frozen in time: never import application types here.
 */
import { type Kysely, type Migration, sql } from "kysely";

export function searchIndexPerBatch(engine: "sqlite" | "postgres"): Migration {
  return {
    async up(db: Kysely<any>) {
      if (engine === "sqlite") {
        await sql`drop trigger if exists message_search_after_insert`.execute(db);
      }
    },
  };
}
