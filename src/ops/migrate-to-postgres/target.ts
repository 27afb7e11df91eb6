/**
 * The PostgreSQL side: the schema prepared with the project's own migrations, then one
 * connection that writes batches with `unnest` and reads tables back for verification.
 * Every value comes back as its text, so both sides compare in the same canonical form.
 */
import pg from "pg";
import type { Config } from "../../config/schema.js";
import { SchemaTooNewError } from "../../storage/migrate.js";
import { openStore } from "../../storage/store.js";
import { MigrationError, reasonOf, redactUrl } from "./errors.js";
import type { CanonicalRow } from "./rows.js";
import { type ColumnPlan, quoteIdent, type TablePlan } from "./tables.js";

/** A node that has not refreshed its row for this long has stopped (see ops/node-registry). */
const NODE_STALE_MS = 30_000;
const SCHEMA_NAME = /^[a-z_][a-z0-9_]*$/;

export interface TargetColumn {
  name: string;
  pgType: string;
}

/** Keys compare as SQLite compares them: text by its UTF-8 bytes, which is collation "C". */
function orderBy(columns: ColumnPlan[], direction: "asc" | "desc" = "asc"): string {
  return columns
    .map((c) => `${quoteIdent(c.name)}${c.kind === "text" ? ' collate "C"' : ""} ${direction}`)
    .join(", ");
}

/** What is wrong with --to or --schema, checked before anything is opened. */
export function targetArgumentProblem(url: string, schema: string): string | undefined {
  if (!/^postgres(ql)?:\/\//.test(url)) {
    return `--to: expected a URL starting with postgres:// or postgresql://, got "${redactUrl(url)}"`;
  }
  if (schema !== "" && !SCHEMA_NAME.test(schema)) {
    return `--schema: expected a lower-case PostgreSQL schema name (a-z, 0-9, _), got "${schema}"`;
  }
  return undefined;
}

function clientFor(url: string, schema: string): pg.Client {
  return new pg.Client({
    connectionString: url,
    connectionTimeoutMillis: 10_000,
    options: schema ? `-c search_path=${schema}` : undefined,
    // Raw text for every type: integers must not pass through a float.
    types: { getTypeParser: () => (value: string) => value } as unknown as typeof pg.types,
  });
}

async function connect(url: string, schema: string): Promise<pg.Client> {
  const client = clientFor(url, schema);
  // An idle connection dropped by the server must fail the next query, not the process.
  client.on("error", () => {});
  try {
    await client.connect();
  } catch (err) {
    throw new MigrationError(`cannot connect to PostgreSQL at ${redactUrl(url)}: ${reasonOf(err)}`);
  }
  return client;
}

/** Creates the schema when it is missing, so an operator only has to name it. */
async function ensureSchema(url: string, schema: string): Promise<void> {
  const client = await connect(url, "");
  try {
    const found = await client.query("select 1 from pg_namespace where nspname = $1", [schema]);
    if (found.rowCount === 0) await client.query(`create schema ${quoteIdent(schema)}`);
  } catch (err) {
    throw new MigrationError(`cannot create the schema "${schema}": ${reasonOf(err)}`);
  } finally {
    await client.end();
  }
}

/** Applies the project's migrations to the target, exactly as a starting server would. */
async function migrateTarget(url: string, schema: string): Promise<string[]> {
  const database: Config["database"] = {
    type: "postgres",
    path: "",
    url,
    schema,
    pool_size: 1,
    statement_timeout_ms: 0,
    encryption_key_file: "",
    encryption_key: "",
    encryption_compatibility: 4,
  };
  const store = openStore(database);
  try {
    return (await store.migrate()).applied;
  } catch (err) {
    if (err instanceof SchemaTooNewError) {
      throw new MigrationError(
        `the target schema has migrations this chat-server does not know (${err.unknownMigrations.join(", ")}); it belongs to a newer version`,
      );
    }
    throw new MigrationError(`cannot migrate the target schema: ${reasonOf(err)}`);
  } finally {
    await store.close();
  }
}

const OLDEST_SUPPORTED = 140000;

/** Refuses a server older than the deployment guide supports, or not storing UTF-8. */
async function checkServer(client: pg.Client): Promise<void> {
  const { rows } = await client.query<{ version: string; encoding: string }>(
    `select current_setting('server_version_num') as version,
            current_setting('server_encoding') as encoding`,
  );
  const version = Number(rows[0]?.version ?? 0);
  if (version < OLDEST_SUPPORTED) {
    throw new MigrationError(
      `the target runs PostgreSQL ${Math.floor(version / 10000)}; chat-server needs 14 or newer`,
    );
  }
  if (rows[0]?.encoding !== "UTF8") {
    throw new MigrationError(
      `the target database's encoding is ${rows[0]?.encoding}, not UTF8; create it with ENCODING 'UTF8' TEMPLATE template0`,
    );
  }
}

export class PostgresTarget {
  private constructor(
    private readonly client: pg.Client,
    readonly description: string,
  ) {}

  /** Connects, creates the schema if needed and brings it to this build's schema version. */
  static async open(
    url: string,
    schema: string,
  ): Promise<{ target: PostgresTarget; applied: string[] }> {
    const problem = targetArgumentProblem(url, schema);
    if (problem) throw new MigrationError(problem);
    if (schema !== "") await ensureSchema(url, schema);
    const client = await connect(url, schema);
    try {
      await checkServer(client);
      const applied = await migrateTarget(url, schema);
      // Each batch is its own transaction; a crash loses at most the last few, in order,
      // which --resume copies again. Waiting for every flush would only slow the copy.
      await client.query("set synchronous_commit = off");
      await client.query("set statement_timeout = 0");
      const where = schema ? ` schema ${schema}` : "";
      return { target: new PostgresTarget(client, `${redactUrl(url)}${where}`), applied };
    } catch (err) {
      await client.end();
      throw err;
    }
  }

  async tableNames(): Promise<string[]> {
    const { rows } = await this.client.query<{ name: string }>(
      `select table_name as name from information_schema.tables
        where table_schema = current_schema() and table_type = 'BASE TABLE'`,
    );
    return rows.map((r) => r.name);
  }

  async columns(table: string): Promise<TargetColumn[]> {
    const { rows } = await this.client.query<TargetColumn>(
      `select a.attname as "name", format_type(a.atttypid, a.atttypmod) as "pgType"
         from pg_attribute a
        where a.attrelid = to_regclass($1) and a.attnum > 0 and not a.attisdropped
        order by a.attnum`,
      [quoteIdent(table)],
    );
    return rows;
  }

  async primaryKey(table: string): Promise<string[]> {
    const { rows } = await this.client.query<{ name: string }>(
      `select a.attname as "name"
         from pg_index i
         join pg_attribute a on a.attrelid = i.indrelid and a.attnum = any(i.indkey)
        where i.indrelid = to_regclass($1) and i.indisprimary
        order by array_position(i.indkey::int2[], a.attnum)`,
      [quoteIdent(table)],
    );
    return rows.map((r) => r.name);
  }

  async count(table: string): Promise<number> {
    const { rows } = await this.client.query<{ n: string }>(
      `select count(*) as n from ${quoteIdent(table)}`,
    );
    return Number(rows[0]?.n ?? 0);
  }

  async runningNodes(now: number): Promise<string[]> {
    const { rows } = await this.client.query<{ hostname: string; pid: string }>(
      "select hostname, pid from nodes where last_seen_at >= $1",
      [now - NODE_STALE_MS],
    );
    return rows.map((r) => `${r.hostname}:${r.pid}`);
  }

  /** The highest primary key copied so far, in the order the source is read. */
  async highestKey(plan: TablePlan): Promise<CanonicalRow | undefined> {
    const key = plan.primaryKey.map((c) => quoteIdent(c.name)).join(", ");
    const { rows } = await this.client.query<CanonicalRow>({
      text: `select ${key} from ${quoteIdent(plan.name)} order by ${orderBy(plan.primaryKey, "desc")} limit 1`,
      rowMode: "array",
    });
    return rows[0];
  }

  /** Writes one batch in one statement; rows already present are left alone. */
  async insert(plan: TablePlan, rows: CanonicalRow[]): Promise<number> {
    const columns = plan.columns.map((c) => quoteIdent(c.name)).join(", ");
    const arrays = plan.columns.map((c, i) => `$${i + 1}::${c.pgType}[]`).join(", ");
    const result = await this.client.query({
      name: `migrate_insert_${plan.name}`,
      text: `insert into ${quoteIdent(plan.name)} (${columns}) select * from unnest(${arrays}) on conflict do nothing`,
      values: plan.columns.map((_, i) => rows.map((row) => row[i] ?? null)),
    });
    return result.rowCount ?? 0;
  }

  /**
   * Moves each sequence behind a column of the table (the events id, which is the sync
   * cursor) past the highest copied value, so new rows continue the order.
   */
  async advanceSequences(plan: TablePlan): Promise<{ column: string; next: number }[]> {
    const advanced: { column: string; next: number }[] = [];
    for (const column of plan.columns) {
      if (column.kind !== "integer") continue;
      const found = await this.client.query<{ seq: string | null }>(
        "select pg_get_serial_sequence($1, $2) as seq",
        [quoteIdent(plan.name), column.name],
      );
      const sequence = found.rows[0]?.seq;
      if (!sequence) continue;
      const { rows } = await this.client.query<{ next: string }>(
        `select coalesce(max(${quoteIdent(column.name)}), 0) + 1 as next from ${quoteIdent(plan.name)}`,
      );
      const next = rows[0]?.next ?? "1";
      await this.client.query("select setval($1, $2, false)", [sequence, next]);
      advanced.push({ column: column.name, next: Number(next) });
    }
    return advanced;
  }

  /** Every row of a table in primary-key order, read through a cursor in one snapshot. */
  async *batches(plan: TablePlan, size: number): AsyncGenerator<CanonicalRow[]> {
    const columns = plan.columns.map((c) => quoteIdent(c.name)).join(", ");
    await this.client.query("begin isolation level repeatable read read only");
    try {
      await this.client.query(
        `declare migrate_verify no scroll cursor for
           select ${columns} from ${quoteIdent(plan.name)} order by ${orderBy(plan.primaryKey)}`,
      );
      for (;;) {
        const { rows } = await this.client.query<CanonicalRow>({
          text: `fetch ${size} from migrate_verify`,
          rowMode: "array",
        });
        if (rows.length === 0) break;
        yield rows;
      }
    } finally {
      await this.client.query("rollback");
    }
  }

  async close(): Promise<void> {
    await this.client.end();
  }
}
