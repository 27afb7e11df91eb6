/**
 * Checks the copy: for each table, the row count and a SHA-256 over its rows in
 * primary-key order, in the canonical form, computed here in Node for both sides. Both
 * sides are read side by side, so a difference is also located at its first key.
 */
import { MigrationError, reasonOf } from "./errors.js";
import { canonicalLine, keyOf, TableChecksum } from "./rows.js";
import type { SqliteSource } from "./source.js";
import type { TablePlan } from "./tables.js";
import type { PostgresTarget } from "./target.js";

export interface TableCheck {
  table: string;
  sourceRows: number;
  targetRows: number;
  sourceChecksum: string;
  targetChecksum: string;
  /** The key of the first row that differs, or that only one side has. */
  firstDifference?: string;
  skip?: string;
}

export function matches(check: TableCheck): boolean {
  return (
    check.skip !== undefined ||
    (check.sourceRows === check.targetRows && check.sourceChecksum === check.targetChecksum)
  );
}

async function verifyTable(
  source: SqliteSource,
  target: PostgresTarget,
  plan: TablePlan,
  batchSize: number,
): Promise<TableCheck> {
  const sourceSum = new TableChecksum();
  const targetSum = new TableChecksum();
  let firstDifference: string | undefined;
  const sourceRows = (function* () {
    for (const batch of source.batches(plan, batchSize)) yield* batch;
  })();
  try {
    for await (const batch of target.batches(plan, batchSize)) {
      for (const row of batch) {
        const targetLine = canonicalLine(row);
        targetSum.addLine(targetLine);
        const next = sourceRows.next();
        const sourceLine = next.done ? undefined : canonicalLine(next.value);
        if (sourceLine !== undefined) sourceSum.addLine(sourceLine);
        if (firstDifference === undefined && sourceLine !== targetLine)
          firstDifference = keyOf(plan, next.done ? row : next.value);
      }
    }
    for (let next = sourceRows.next(); !next.done; next = sourceRows.next()) {
      sourceSum.addLine(canonicalLine(next.value));
      firstDifference ??= keyOf(plan, next.value);
    }
  } catch (err) {
    if (err instanceof MigrationError) throw err;
    throw new MigrationError(`verifying ${plan.name}: ${reasonOf(err)}`);
  } finally {
    sourceRows.return(undefined);
  }
  return {
    table: plan.name,
    sourceRows: sourceSum.rows,
    targetRows: targetSum.rows,
    sourceChecksum: sourceSum.digest(),
    targetChecksum: targetSum.digest(),
    ...(firstDifference !== undefined ? { firstDifference } : {}),
  };
}

export async function verifyTables(
  source: SqliteSource,
  target: PostgresTarget,
  plans: TablePlan[],
  batchSize: number,
): Promise<TableCheck[]> {
  const checks: TableCheck[] = [];
  for (const plan of plans) {
    if (plan.skip) {
      checks.push({
        table: plan.name,
        sourceRows: source.count(plan.name),
        targetRows: await target.count(plan.name),
        sourceChecksum: "",
        targetChecksum: "",
        skip: plan.skip,
      });
      continue;
    }
    checks.push(await verifyTable(source, target, plan, batchSize));
  }
  return checks;
}
