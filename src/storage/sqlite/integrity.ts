/**
 * SQLite's own check of a database file: `PRAGMA quick_check` reads every page and
 * verifies the b-tree structure (not that indexes match their tables, which the full
 * integrity_check does at a much higher cost).
 */
import type SqliteDatabase from "better-sqlite3-multiple-ciphers";

/** At most this many problems are listed: one is enough to refuse the file. */
const MAX_PROBLEMS = 5;

/** The problems quick_check reports; none for a sound file. Throws SQLITE_CORRUPT too. */
export function quickCheckProblems(raw: SqliteDatabase.Database): string[] {
  const rows = raw.pragma(`quick_check(${MAX_PROBLEMS})`) as { quick_check: string }[];
  const lines = rows.flatMap((row) => row.quick_check.split("\n"));
  if (lines.length === 1 && lines[0] === "ok") return [];
  // "*** in database main ***" heads the list; the lines after it say what is wrong.
  return lines.filter((line) => line !== "" && !line.startsWith("***"));
}
