/**
 * Applies schema migrations at start (or alone, with `chat-server db migrate`). Kysely's
 * migrator takes a lock, so several nodes starting together apply each migration once.
 */
import { type Kysely, type MigrationProvider, Migrator, sql } from "kysely";
import { type Engine, MIGRATION_NAMES, migrationsFor } from "./migrations/index.js";

// Migrations speak to the schema as it was, so this module uses Kysely<any> throughout.
const MIGRATION_TABLE = "schema_migrations";
const MIGRATION_LOCK_TABLE = "schema_migrations_lock";

function providerFor(engine: Engine, through?: string): MigrationProvider {
  const all = migrationsFor(engine);
  if (through === undefined) return { getMigrations: async () => all };
  const upTo = Object.fromEntries(Object.entries(all).filter(([name]) => name <= through));
  return { getMigrations: async () => upTo };
}

export class SchemaTooNewError extends Error {
  constructor(readonly unknownMigrations: string[]) {
    super(
      `the database has schema migrations this chat-server does not know (${unknownMigrations.join(", ")}): ` +
        "it was written by a newer version; run that version or restore a backup made for this one",
    );
    this.name = "SchemaTooNewError";
  }
}

export interface MigrationResult {
  applied: string[];
  current: string | undefined;
}

/** The PostgreSQL schema our tables live in; other schemas of the database are not ours. */
async function currentSchema(db: Kysely<any>): Promise<string> {
  const { rows } = await sql<{ schema: string | null }>`select current_schema() as schema`.execute(
    db,
  );
  const schema = rows[0]?.schema;
  if (!schema) {
    throw new Error(
      "PostgreSQL has no schema to work in: the [database] schema (or the search_path) names a schema that does not exist; create it with CREATE SCHEMA <name>",
    );
  }
  return schema;
}

async function migrationTableExists(db: Kysely<any>, engine: Engine): Promise<boolean> {
  const { rows } =
    engine === "postgres"
      ? await sql`select 1 from information_schema.tables
          where table_schema = current_schema() and table_name = ${MIGRATION_TABLE}`.execute(db)
      : await sql`select 1 from sqlite_master where type = 'table' and name = ${MIGRATION_TABLE}`.execute(
          db,
        );
  return rows.length > 0;
}

async function appliedMigrations(db: Kysely<any>, engine: Engine): Promise<string[]> {
  if (!(await migrationTableExists(db, engine))) return [];
  const rows = await db.selectFrom(MIGRATION_TABLE).select("name").execute();
  return rows.map((r) => String(r.name));
}

/** The newest schema version this build knows. */
export function latestSchemaVersion(): string {
  return [...MIGRATION_NAMES].sort().at(-1) ?? "";
}

export async function schemaStatus(
  db: Kysely<any>,
  engine: Engine,
): Promise<{ applied: string[]; pending: string[]; unknown: string[] }> {
  const applied = await appliedMigrations(db, engine);
  const known = MIGRATION_NAMES;
  return {
    applied,
    pending: known.filter((name) => !applied.includes(name)),
    unknown: applied.filter((name) => !known.includes(name)),
  };
}

/** `through` stops the run after that migration; without it every migration applies. */
async function runMigrator(db: Kysely<any>, engine: Engine, through?: string): Promise<string[]> {
  const migrator = new Migrator({
    db,
    provider: providerFor(engine, through),
    migrationTableName: MIGRATION_TABLE,
    migrationLockTableName: MIGRATION_LOCK_TABLE,
    ...(engine === "postgres" ? { migrationTableSchema: await currentSchema(db) } : {}),
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return (results ?? []).filter((r) => r.status === "Success").map((r) => r.migrationName);
}

/**
 * Errors the listing of every schema's tables can meet while another schema of the same
 * database changes under it: a schema (3F000), table (42P01) or column (42703) that was
 * there a moment before, or a catalog entry gone mid-read (XX000).
 */
const CATALOG_RACES = new Set(["3F000", "42P01", "42703", "XX000"]);

/**
 * Kysely's migrator looks for its table by listing the tables of every schema in the
 * database; another deployment (or test run) changing its own schema at that moment can
 * fail the listing. That says nothing about ours, so the run is tried again.
 */
async function runPostgresMigrator(db: Kysely<any>, through?: string): Promise<string[]> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await runMigrator(db, "postgres", through);
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      if (typeof code !== "string" || !CATALOG_RACES.has(code) || attempt >= 5) throw err;
      await new Promise((resolve) => setTimeout(resolve, 50 * attempt));
    }
  }
}

/**
 * Applies pending migrations. PostgreSQL serialises nodes with Kysely's advisory lock;
 * SQLite gets one IMMEDIATE transaction around the whole run, so two processes on one
 * file cannot interleave and a failed migration leaves nothing half-applied.
 */
export async function migrateToLatest(db: Kysely<any>, engine: Engine): Promise<MigrationResult> {
  return migrateThrough(db, engine, undefined);
}

/**
 * Applies pending migrations up to and including `through` (every one when undefined);
 * the schema an older release left behind, for upgrade tests and rehearsals.
 */
export async function migrateThrough(
  db: Kysely<any>,
  engine: Engine,
  through: string | undefined,
): Promise<MigrationResult> {
  if (engine === "postgres") await currentSchema(db);
  const { unknown } = await schemaStatus(db, engine);
  if (unknown.length > 0) throw new SchemaTooNewError(unknown);
  const current = through ?? latestSchemaVersion();
  if (engine === "postgres") return { applied: await runPostgresMigrator(db, through), current };
  const applied = await db.connection().execute(async (conn) => {
    await sql`begin immediate`.execute(conn);
    try {
      const names = await runMigrator(conn, engine, through);
      await sql`commit`.execute(conn);
      return names;
    } catch (err) {
      await sql`rollback`.execute(conn).catch(() => {});
      throw err;
    }
  });
  return { applied, current };
}
