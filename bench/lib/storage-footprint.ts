/**
 * What the database holds after a run, read once the server has stopped: bytes in use in
 * total and per table (indexes and, on SQLite, the full-text index's tables counted with
 * the table they serve), and per stored message. On SQLite the WAL is checkpointed first
 * and free pages are left out; on PostgreSQL the schema's tables with their indexes and
 * TOAST.
 */
import { inBenchSchema, openBenchSqlite, type ServerSetup } from "./chat-server.js";

export interface StorageFootprint {
  messages: number;
  events: number;
  bytes: number;
  bytes_per_message: number;
  /** The largest tables, bytes each. */
  tables: Record<string, number>;
}

const LARGEST = 6;

function footprint(messages: number, events: number, sizes: [string, number][]): StorageFootprint {
  const bytes = sizes.reduce((total, [, size]) => total + size, 0);
  const largest = [...sizes].sort((a, b) => b[1] - a[1]).slice(0, LARGEST);
  return {
    messages,
    events,
    bytes,
    bytes_per_message: messages > 0 ? Math.round(bytes / messages) : 0,
    tables: Object.fromEntries(largest),
  };
}

function sqliteFootprint(setup: ServerSetup): StorageFootprint {
  const db = openBenchSqlite(setup);
  try {
    db.pragma("wal_checkpoint(TRUNCATE)");
    // Shadow tables of the full-text index (message_search_data, ...) count as one.
    const rows = db
      .prepare<[], { name: string; bytes: number }>(
        `select case when m.tbl_name like 'message_search%' then 'message_search' else m.tbl_name end as name,
           sum(s.pgsize) as bytes
         from dbstat s join sqlite_master m on m.name = s.name group by 1`,
      )
      .all();
    const count = (table: string) =>
      Number(db.prepare<[], { n: number }>(`select count(*) as n from ${table}`).get()?.n ?? 0);
    return footprint(
      count("messages"),
      count("events"),
      rows.map((r) => [r.name, Number(r.bytes)]),
    );
  } finally {
    db.close();
  }
}

async function postgresFootprint(setup: ServerSetup): Promise<StorageFootprint> {
  let result: StorageFootprint | undefined;
  await inBenchSchema(setup, async (client) => {
    const sizes = await client.query<{ name: string; bytes: string }>(
      `select c.relname as name, pg_total_relation_size(c.oid) as bytes
       from pg_class c join pg_namespace n on n.oid = c.relnamespace
       where n.nspname = current_schema() and c.relkind = 'r'`,
    );
    const count = async (table: string) =>
      Number((await client.query<{ n: string }>(`select count(*) as n from ${table}`)).rows[0]?.n);
    result = footprint(
      await count("messages"),
      await count("events"),
      sizes.rows.map((r) => [r.name, Number(r.bytes)]),
    );
  });
  if (!result) throw new Error("the database's size could not be read");
  return result;
}

export function storageFootprint(setup: ServerSetup): Promise<StorageFootprint> {
  return setup.options.database === "postgres"
    ? postgresFootprint(setup)
    : Promise.resolve(sqliteFootprint(setup));
}
