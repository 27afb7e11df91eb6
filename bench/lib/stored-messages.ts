/**
 * Every row of the benchmark server's `messages` table, read straight from its database
 * once the server has stopped, for the checker (bench/fault/checker.ts).
 */
import type { StoredRow } from "../fault/checker.js";
import { inBenchSchema, openBenchSqlite, type ServerSetup } from "./chat-server.js";

const QUERY = "select id, conversation_id, seq, sender_id, client_id from messages";
/** The same in PostgreSQL, where seq is a bigint: the checker compares numbers. */
export const POSTGRES_QUERY =
  "select id, conversation_id, seq::int as seq, sender_id, client_id from messages";

export async function storedMessages(setup: ServerSetup): Promise<StoredRow[]> {
  if (setup.options.database === "postgres") {
    let rows: StoredRow[] = [];
    await inBenchSchema(setup, async (client) => {
      rows = (await client.query<StoredRow>(POSTGRES_QUERY)).rows;
    });
    return rows;
  }
  const db = openBenchSqlite(setup);
  try {
    return db.prepare(QUERY).all() as StoredRow[];
  } finally {
    db.close();
  }
}
