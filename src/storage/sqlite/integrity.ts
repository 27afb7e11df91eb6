/**
 * SQLite's own check of a database file: `PRAGMA quick_check` reads every page and
 * verifies the b-tree structure (not that indexes match their tables, which the full
 * integrity_check does at a much higher cost).
 */
import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
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

/**
 * A file checked and then closed cleanly by this server need not be read whole again
 * at its next start: quick_check reads every page, which on a database of some
 * gigabytes takes longer than systemd waits for a start. On a clean close the server
 * leaves `<file>-checked` beside it with what the file was then (device, inode, size,
 * modification and change times, and no log beside it); the next open trusts the file
 * only when all of that is unchanged, and removes the stamp first, so a crash, a copy
 * put in place, a log left beside an old copy, or any write while the server was
 * stopped all lead to the full check. A stamp is never left for a file that was not
 * checked, or whose queries met damage while it was open.
 */
export class IntegrityStamp {
  private sound = false;

  private constructor(
    private readonly path: string,
    /** The stamp matched the file: skip the page-by-page check. */
    readonly trusted: boolean,
  ) {}

  /** Reads and removes the stamp; call before the file is opened. */
  static take(path: string): IntegrityStamp {
    const stamp = `${path}${STAMP_SUFFIX}`;
    let trusted = false;
    try {
      trusted = readFileSync(stamp, "utf8") === identity(path);
    } catch {
      // no stamp: the full check
    }
    try {
      rmSync(stamp, { force: true });
    } catch {
      // A stamp that cannot be removed would outlive a crash: do not trust it either.
      trusted = false;
    }
    return new IntegrityStamp(path, trusted);
  }

  /** The problems of the file: none when trusted, else quick_check's. */
  problems(raw: SqliteDatabase.Database): string[] {
    const problems = this.trusted ? [] : quickCheckProblems(raw);
    this.sound = problems.length === 0;
    return problems;
  }

  /** Leaves the stamp; call once every connection to the file is closed. */
  leave(damaged: boolean): void {
    if (!this.sound || damaged) return;
    try {
      writeFileSync(`${this.path}${STAMP_SUFFIX}`, identity(this.path), { mode: 0o600 });
    } catch {
      // A read-only directory: the next start checks the whole file, as without a stamp.
    }
  }
}

const STAMP_SUFFIX = "-checked";

/** What the file is now: unchanged only when nobody wrote, replaced or touched it. */
function identity(path: string): string {
  const file = statSync(path, { bigint: true });
  const log = existsSync(`${path}-wal`) ? statSync(`${path}-wal`, { bigint: true }).size : -1n;
  return JSON.stringify([
    String(file.dev),
    String(file.ino),
    String(file.size),
    String(file.mtimeNs),
    String(file.ctimeNs),
    String(log),
  ]);
}
