/**
 * Plain-text rendering of admin listings for the operator's terminal: aligned columns
 * and UTC timestamps, so `chat-server user list` and friends read well and diff cleanly.
 */

/** An instant as `2025-01-31T09:30:00Z` (UTC, whole seconds), or `fallback` when unset. */
export function formatInstant(ms: number | null, fallback = "never"): string {
  if (ms === null) return fallback;
  return `${new Date(ms).toISOString().slice(0, 19)}Z`;
}

/** Rows under a header, each column as wide as its widest cell; no trailing spaces. */
export function formatTable(header: string[], rows: string[][]): string {
  const widths = header.map((title, i) =>
    Math.max(title.length, ...rows.map((row) => (row[i] ?? "").length)),
  );
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join("  ")
      .trimEnd();
  return `${[header, ...rows].map(line).join("\n")}\n`;
}

/** A whole JSON document with a trailing newline, for `--json`. */
export function formatJson(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}
