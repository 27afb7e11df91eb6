/**
 * Every row of the benchmark server's `messages` table, read straight from its database
 * once the server has stopped, for the checker (bench/fault/checker.ts).
 */
import type { StoredRow } from "../fault/checker.js";
import { inBenchSchema, openBenchSqlite, type ServerSetup } from "./chat-server.js";

const QUERY = "select id, conversation_id, seq, sender_id, client_id from messages";

export async function storedMessages(setup: ServerSetup): Promise<StoredRow[]> {
  if (setup.options.database === "postgres") {
    let rows: StoredRow[] = [];
    await inBenchSchema(setup, async (client) => {
      // seq is a bigint in PostgreSQL; the checker compares numbers.
      rows = (await client.query<StoredRow>(QUERY.replace("seq,", "seq::int as seq,"))).rows;
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
