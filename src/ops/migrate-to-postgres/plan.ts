/**
 * Works out what to copy: the known tables in foreign-key order, each with the columns and
 * primary key both sides agree on. Anything the copier would otherwise get wrong (a table
 * or column it does not know, a type it cannot carry, an order that breaks a foreign key)
 * stops the migration before a single row is written.
 */
import { MigrationError } from "./errors.js";
import type { SqliteSource } from "./source.js";
import {
  type ColumnPlan,
  isManagedByMigrator,
  isSqliteSearchIndex,
  KNOWN_TABLES,
  kindOfPgType,
  type TablePlan,
} from "./tables.js";
import type { PostgresTarget } from "./target.js";

function sameSet(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((name) => b.includes(name));
}

function checkTableLists(sourceTables: string[], targetTables: string[]): void {
  const known = KNOWN_TABLES.map((t) => t.name);
  const unknown = sourceTables.filter(
    (t) => !isManagedByMigrator(t) && !isSqliteSearchIndex(t) && !known.includes(t),
  );
  if (unknown.length > 0) {
    throw new MigrationError(
      `the SQLite database has tables the migration does not know: ${unknown.join(", ")}; add them to src/ops/migrate-to-postgres/tables.ts rather than leave them behind`,
    );
  }
  for (const name of known) {
    if (!sourceTables.includes(name))
      throw new MigrationError(`the SQLite database has no table ${name}`);
    if (!targetTables.includes(name))
      throw new MigrationError(`the target schema has no table ${name} after migrating`);
  }
}

/** Refuses an order in which a table would be filled before a table it references. */
function checkForeignKeyOrder(source: SqliteSource): void {
  const order = KNOWN_TABLES.map((t) => t.name);
  for (const [position, table] of order.entries()) {
    for (const referenced of source.referencedTables(table)) {
      if (referenced === table) continue;
      if (order.indexOf(referenced) > position) {
        throw new MigrationError(
          `tables.ts copies ${table} before ${referenced}, which it references; reorder KNOWN_TABLES`,
        );
      }
    }
  }
}

async function planTable(
  source: SqliteSource,
  target: PostgresTarget,
  name: string,
  skip: string | undefined,
): Promise<TablePlan> {
  const sourceColumns = source.columns(name);
  const targetColumns = await target.columns(name);
  if (
    !sameSet(
      sourceColumns.map((c) => c.name),
      targetColumns.map((c) => c.name),
    )
  ) {
    throw new MigrationError(
      `table ${name} has columns (${sourceColumns.map((c) => c.name).join(", ")}) in SQLite but (${targetColumns.map((c) => c.name).join(", ")}) in PostgreSQL`,
    );
  }
  const columns: ColumnPlan[] = targetColumns.map((c) => {
    const kind = kindOfPgType(c.pgType);
    if (!kind) {
      throw new MigrationError(
        `column ${name}.${c.name} has the PostgreSQL type ${c.pgType}, which the migration cannot copy yet; teach src/ops/migrate-to-postgres/tables.ts its canonical form`,
      );
    }
    return { name: c.name, kind, pgType: c.pgType };
  });
  const keyNames = await target.primaryKey(name);
  const sourceKey = sourceColumns
    .filter((c) => c.pk > 0)
    .sort((a, b) => a.pk - b.pk)
    .map((c) => c.name);
  if (keyNames.length === 0 || keyNames.join() !== sourceKey.join()) {
    throw new MigrationError(
      `table ${name} has the primary key (${sourceKey.join(", ")}) in SQLite but (${keyNames.join(", ")}) in PostgreSQL`,
    );
  }
  const primaryKey = keyNames.map((key) => columns.find((c) => c.name === key)!);
  return { name, columns, primaryKey, ...(skip ? { skip } : {}) };
}

/** The tables to copy and verify, in the order to copy them. */
export async function planTables(
  source: SqliteSource,
  target: PostgresTarget,
): Promise<TablePlan[]> {
  checkTableLists(source.tableNames(), await target.tableNames());
  checkForeignKeyOrder(source);
  const plans: TablePlan[] = [];
  for (const table of KNOWN_TABLES)
    plans.push(await planTable(source, target, table.name, table.skip));
  return plans;
}
