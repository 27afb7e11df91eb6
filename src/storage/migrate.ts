/**
 * Applies schema migrations at start (or alone, with `chat-server db migrate`). Kysely's
 * migrator takes a lock, so several nodes starting together apply each migration once.
 *
 * Rolling upgrades: a start (and `db migrate`) applies expand steps only; contract steps
 * wait for `db migrate --contract` (see migrations/index.ts), except on a brand-new
 * database, which takes them at once. A node serves a schema that
 * has expand steps it does not know (a newer node applied them while this one runs), and
 * refuses one with a contract step it does not know, or lacking one it requires.
 */
import { type Kysely, type Migration, type MigrationProvider, Migrator, sql } from "kysely";
import {
  type Engine,
  MIGRATION_NAMES,
  migrationsFor,
  type Phase,
  phaseOf,
  REQUIRED_CONTRACT_STEPS,
} from "./migrations/index.js";

// Migrations speak to the schema as it was, so this module uses Kysely<any> throughout.
const MIGRATION_TABLE = "schema_migrations";
const MIGRATION_LOCK_TABLE = "schema_migrations_lock";

export interface MigrateOptions {
  /** Stop after this migration (a rehearsal of an older release's schema). */
  through?: string | undefined;
  /** Apply contract steps too: only once every node runs this version. */
  contract?: boolean | undefined;
  /** A rehearsal's own migrations instead of this version's (upgrade tests). */
  migrations?: Record<string, Migration> | undefined;
}

/** Stands for a migration a newer chat-server applied: already run, never run here. */
const APPLIED_ELSEWHERE: Migration = {
  async up() {
    throw new Error("a migration of a newer chat-server cannot run here");
  },
};

/**
 * The migrations Kysely is to consider: this version's, less the contract steps not yet
 * asked for (and those after `through`), plus stand-ins for what a newer version applied
 * (Kysely refuses a table naming migrations it was not given).
 */
function providerFor(engine: Engine, status: SchemaStatus, options: MigrateOptions) {
  const chosen: Record<string, Migration> = {};
  for (const [name, migration] of Object.entries(options.migrations ?? migrationsFor(engine))) {
    const applied = status.applied.includes(name);
    if (!applied && options.through !== undefined && name > options.through) continue;
    if (!applied && !options.contract && phaseOf(name) === "contract") continue;
    chosen[name] = migration;
  }
  for (const name of status.unknown) chosen[name] = APPLIED_ELSEWHERE;
  return { getMigrations: async () => chosen } satisfies MigrationProvider;
}

/** A schema this chat-server cannot serve; the start stops with exit code 78. */
export class SchemaMismatchError extends Error {}

export class SchemaTooNewError extends SchemaMismatchError {
  constructor(readonly unknownMigrations: string[]) {
    super(
      `the database has contract steps this chat-server does not know (${unknownMigrations.join(", ")}): ` +
        "a newer version removed or changed what this one uses; run that version (or a later one), or restore a backup made for this one",
    );
    this.name = "SchemaTooNewError";
  }
}

export class SchemaTooOldError extends SchemaMismatchError {
  constructor(readonly missingMigrations: string[]) {
    super(
      `the database lacks contract steps this chat-server requires (${missingMigrations.join(", ")}): ` +
        "upgrade every node to the previous release, run `chat-server db migrate --contract` with it, then upgrade to this one",
    );
    this.name = "SchemaTooOldError";
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

export interface SchemaStatus {
  applied: string[];
  /** This version's migrations not applied yet (both phases). */
  pending: string[];
  pendingExpand: string[];
  pendingContract: string[];
  /** Applied by a newer chat-server. */
  unknown: string[];
  unknownExpand: string[];
  unknownContract: string[];
  /** Contract steps this version requires (REQUIRED_CONTRACT_STEPS) not applied yet. */
  missingRequired: string[];
}

const inPhase = (names: string[], phase: Phase) => names.filter((n) => phaseOf(n) === phase);

export async function schemaStatus(
  db: Kysely<any>,
  engine: Engine,
  known: readonly string[] = MIGRATION_NAMES,
): Promise<SchemaStatus> {
  const applied = await appliedMigrations(db, engine);
  const pending = known.filter((name) => !applied.includes(name));
  const unknown = applied.filter((name) => !known.includes(name));
  return {
    applied,
    pending,
    pendingExpand: inPhase(pending, "expand"),
    pendingContract: inPhase(pending, "contract"),
    unknown,
    unknownExpand: inPhase(unknown, "expand"),
    unknownContract: inPhase(unknown, "contract"),
    missingRequired: REQUIRED_CONTRACT_STEPS.filter((name) => !applied.includes(name)),
  };
}

/**
 * Why this chat-server cannot serve the schema, or undefined if it can. Pending expand
 * steps do not count: a start applies them.
 */
export function unservable(status: SchemaStatus): SchemaMismatchError | undefined {
  if (status.unknownContract.length > 0) return new SchemaTooNewError(status.unknownContract);
  if (status.missingRequired.length > 0) return new SchemaTooOldError(status.missingRequired);
  return undefined;
}

async function runMigrator(
  db: Kysely<any>,
  engine: Engine,
  status: SchemaStatus,
  options: MigrateOptions,
): Promise<string[]> {
  const migrator = new Migrator({
    db,
    provider: providerFor(engine, status, options),
    migrationTableName: MIGRATION_TABLE,
    migrationLockTableName: MIGRATION_LOCK_TABLE,
    // A contract step waits while later expand steps apply, and a newer node's steps may
    // sit between ours: the order of names is not the order of application.
    allowUnorderedMigrations: true,
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
async function runPostgresMigrator(
  db: Kysely<any>,
  status: SchemaStatus,
  options: MigrateOptions,
): Promise<string[]> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await runMigrator(db, "postgres", status, options);
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      if (typeof code !== "string" || !CATALOG_RACES.has(code) || attempt >= 5) throw err;
      await new Promise((resolve) => setTimeout(resolve, 50 * attempt));
    }
  }
}

/**
 * Applies pending migrations (expand steps only, unless `options.contract`). PostgreSQL
 * serialises nodes with Kysely's advisory lock; SQLite gets one IMMEDIATE transaction
 * around the whole run, so two processes on one file cannot interleave and a failed
 * migration leaves nothing half-applied. Throws a SchemaMismatchError for a schema this
 * version cannot serve.
 */
export async function migrateToLatest(
  db: Kysely<any>,
  engine: Engine,
  options: MigrateOptions = {},
): Promise<MigrationResult> {
  if (engine === "postgres") await currentSchema(db);
  // Another node may apply a newer version's step between our look and our lock: Kysely
  // then finds a migration it was not told of, and a fresh look settles it.
  for (let attempt = 1; ; attempt++) {
    const known = options.migrations ? Object.keys(options.migrations) : MIGRATION_NAMES;
    const status = await schemaStatus(db, engine, known);
    const refusal = unservable(status);
    if (refusal) throw refusal;
    // A brand-new database has no older node to wait for: it takes its contract steps too.
    const fresh = status.applied.length === 0 && options.through === undefined;
    try {
      const applied = await runOnce(
        db,
        engine,
        status,
        fresh ? { ...options, contract: true } : options,
      );
      // Read again: another node may have applied what this run found done.
      return { applied, current: (await appliedMigrations(db, engine)).sort().at(-1) };
    } catch (err) {
      if (attempt >= 3 || !/corrupted migrations/.test(String((err as Error)?.message))) throw err;
    }
  }
}

async function runOnce(
  db: Kysely<any>,
  engine: Engine,
  status: SchemaStatus,
  options: MigrateOptions,
): Promise<string[]> {
  if (engine === "postgres") return runPostgresMigrator(db, status, options);
  return db.connection().execute(async (conn) => {
    await sql`begin immediate`.execute(conn);
    try {
      const names = await runMigrator(conn, engine, status, options);
      await sql`commit`.execute(conn);
      return names;
    } catch (err) {
      await sql`rollback`.execute(conn).catch(() => {});
      throw err;
    }
  });
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
  return migrateToLatest(db, engine, { through, contract: true });
}
