/**
 * The canonical form of a row, the same whichever engine it was read from: every value
 * is its exact text (integers in decimal, never through a float) or null. Batches are
 * written in this form and checksums are computed over it.
 */
import { createHash, type Hash } from "node:crypto";
import { MigrationError } from "./errors.js";
import type { ColumnPlan, TablePlan } from "./tables.js";

export type CanonicalValue = string | null;
export type CanonicalRow = CanonicalValue[];

function describeKey(plan: TablePlan, row: readonly unknown[]): string {
  const key = plan.primaryKey.map((column) => {
    const index = plan.columns.indexOf(column);
    return `${column.name}=${String(row[index])}`;
  });
  return `${plan.name} row ${key.join(", ")}`;
}

/** The uncommon cases, with a message naming the row for the ones PostgreSQL would refuse. */
function unusualValue(
  plan: TablePlan,
  column: ColumnPlan,
  value: unknown,
  row: readonly unknown[],
): CanonicalValue {
  const where = `${describeKey(plan, row)}: column ${column.name}`;
  if (column.kind === "integer") {
    if (typeof value === "number" && Number.isInteger(value)) return BigInt(value).toString();
    throw new MigrationError(
      `${where} holds ${JSON.stringify(String(value))} where PostgreSQL expects an integer; correct the row in the SQLite file and run again`,
    );
  }
  if (typeof value === "string") {
    // PostgreSQL text cannot hold U+0000; better to stop here than mid-batch on the server.
    throw new MigrationError(
      `${where} contains a NUL character, which PostgreSQL text cannot store; remove it in the SQLite file and run again`,
    );
  }
  if (typeof value === "bigint" || typeof value === "number") return String(value);
  throw new MigrationError(`${where} holds binary data where text is expected`);
}

/**
 * A row as SQLite returned it (integers as bigint), in canonical form. A plain loop: this
 * runs for every value of the database.
 */
export function canonicalFromSqlite(plan: TablePlan, row: readonly unknown[]): CanonicalRow {
  const columns = plan.columns;
  const out: CanonicalRow = new Array(columns.length);
  for (let i = 0; i < columns.length; i++) {
    const value = row[i];
    const column = columns[i]!;
    if (value === null || value === undefined) out[i] = null;
    else if (column.kind === "integer" && typeof value === "bigint") out[i] = value.toString();
    else if (column.kind === "text" && typeof value === "string" && !value.includes("\0"))
      out[i] = value;
    else out[i] = unusualValue(plan, column, value, row);
  }
  return out;
}

/**
 * A row as one line of text. JSON keeps it unambiguous: a null is not "null", and no
 * value can forge a separator.
 */
export function canonicalLine(row: CanonicalRow): string {
  return `${JSON.stringify(row)}\n`;
}

const FLUSH_CHARS = 1 << 16;

/** A running SHA-256 over canonical lines in primary-key order. */
export class TableChecksum {
  private readonly hash: Hash = createHash("sha256");
  private buffer = "";
  rows = 0;

  addLine(line: string): void {
    // Hashing lines in chunks rather than one by one: the result is the same digest.
    this.buffer += line;
    this.rows += 1;
    if (this.buffer.length >= FLUSH_CHARS) this.flush();
  }

  digest(): string {
    this.flush();
    return this.hash.digest("hex");
  }

  private flush(): void {
    if (this.buffer === "") return;
    this.hash.update(this.buffer);
    this.buffer = "";
  }
}

/** The primary key of a canonical row, as `name=value` pairs for messages. */
export function keyOf(plan: TablePlan, row: CanonicalRow): string {
  return plan.primaryKey
    .map((column) => `${column.name}=${String(row[plan.columns.indexOf(column)])}`)
    .join(", ");
}
