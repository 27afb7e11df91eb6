/**
 * Opens a PostgreSQL pool. 64-bit integers (our millisecond timestamps and cursors) come
 * back as numbers: every value we store fits in 2^53.
 */
import { Kysely, type LogConfig, PostgresDialect } from "kysely";
import pg from "pg";
import type { Database } from "../schema.js";

const INT8_OID = 20;

export interface PostgresOptions {
  url: string;
  poolSize: number;
  statementTimeoutMs: number;
  /** Search path, used by tests to give each run its own schema. */
  schema?: string;
  /** How long a query may wait for a pooled connection before failing (default 5 s). */
  connectionTimeoutMs?: number;
  /** Kysely's query log hook (the store watches failed queries for damage). */
  log?: LogConfig;
}

export interface PostgresHandle {
  db: Kysely<Database>;
  pool: pg.Pool;
}

export function openPostgres(options: PostgresOptions): PostgresHandle {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolSize,
    connectionTimeoutMillis: options.connectionTimeoutMs ?? 5000,
    statement_timeout: options.statementTimeoutMs === 0 ? undefined : options.statementTimeoutMs,
    options: options.schema ? `-c search_path=${options.schema}` : undefined,
    types: {
      getTypeParser: ((oid: number, format?: string) =>
        oid === INT8_OID
          ? (v: string) => Number(v)
          : pg.types.getTypeParser(oid, format as "text")) as typeof pg.types.getTypeParser,
    },
  });
  // A client losing its server (restart, network) must not crash the process: idle ones
  // report through the pool, checked-out ones on themselves. The failed query already
  // carries the error, and the pool discards the broken client when it is released.
  pool.on("error", () => {});
  pool.on("connect", (client) => {
    client.on("error", () => {});
  });
  const db = new Kysely<Database>({
    dialect: new PostgresDialect({ pool }),
    ...(options.log ? { log: options.log } : {}),
  });
  return { db, pool };
}
