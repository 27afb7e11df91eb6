/**
 * The per-table summary printed when the migration ends, and the one-line verdict.
 */
import type { TableCopy } from "./copy.js";
import { matches, type TableCheck } from "./verify.js";

const count = (n: number) => n.toLocaleString("en-US");

function status(check: TableCheck): string {
  if (check.skip) return `not copied: ${check.skip}`;
  if (!matches(check)) {
    const where = check.firstDifference ? ` (first difference at ${check.firstDifference})` : "";
    return `MISMATCH${where}`;
  }
  return `ok sha256 ${check.targetChecksum.slice(0, 16)}`;
}

export function summaryTable(checks: TableCheck[], copies: TableCopy[]): string {
  const header = ["table", "sqlite rows", "postgres rows", "copied now", "seconds", "verification"];
  const rows = checks.map((check) => {
    const copy = copies.find((c) => c.table === check.table);
    return [
      check.table,
      count(check.sourceRows),
      count(check.targetRows),
      copy ? count(copy.copied) : "-",
      copy ? copy.seconds.toFixed(1) : "-",
      status(check),
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]?.length ?? 0)));
  const format = (cells: string[]) =>
    cells
      .map((cell, i) => {
        if (i === cells.length - 1) return cell;
        return i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0);
      })
      .join("  ");
  return `${[header, ...rows].map(format).join("\n")}\n`;
}

/** Why verification failed, in one line naming each differing table. */
export function mismatchLine(checks: TableCheck[]): string | undefined {
  const bad = checks.filter((c) => !matches(c));
  if (bad.length === 0) return undefined;
  const parts = bad.map((c) => {
    const counts =
      c.sourceRows === c.targetRows
        ? `same ${count(c.sourceRows)} rows, different content`
        : `${count(c.sourceRows)} rows in SQLite, ${count(c.targetRows)} in PostgreSQL`;
    const where = c.firstDifference ? `; first difference at ${c.firstDifference}` : "";
    return `${c.table} (${counts}${where})`;
  });
  return `verification failed: ${parts.join(", ")}`;
}

export function rate(rows: number, seconds: number): string {
  const perSecond = seconds > 0 ? Math.round(rows / seconds) : rows;
  return `${count(rows)} rows in ${seconds.toFixed(1)} s (${count(perSecond)} rows/s)`;
}
