/**
 * A damaged database: one whose file (SQLite) or pages (PostgreSQL) the engine reports as
 * corrupt. Such a database can answer a trivial query while every real read fails, so
 * the server checks it at start and remembers, while running, that a query met damage.
 */
import type { LogEvent } from "kysely";

/** Where operators find what to do about it. */
export const DAMAGED_DATABASE_HELP = 'see "A damaged SQLite database" in docs/TROUBLESHOOTING.md';

/**
 * SQLite: SQLITE_CORRUPT (and its extended codes) and SQLITE_NOTADB; PostgreSQL:
 * data_corrupted (XX001) and index_corrupted (XX002). Corruption does not heal by itself,
 * unlike an unreachable or busy database.
 */
export function isDatabaseDamage(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code !== "string") return false;
  return (
    code.startsWith("SQLITE_CORRUPT") ||
    code === "SQLITE_NOTADB" ||
    code === "XX001" ||
    code === "XX002"
  );
}

export class DamagedDatabaseError extends Error {
  constructor(
    readonly where: string,
    readonly detail: string,
  ) {
    super(
      `the database ${where} is damaged (${detail}); chat-server does not start on it: ${DAMAGED_DATABASE_HELP}`,
    );
    this.name = "DamagedDatabaseError";
  }
}

/** The first damage a query of this process met, kept for /health. */
export class DamageWatch {
  private first: string | undefined;

  /** A Kysely `log` hook: every failed query passes through it. */
  readonly onQueryLog = (event: LogEvent): void => {
    if (event.level === "error") this.note(event.error);
  };

  note(err: unknown): void {
    if (this.first === undefined && isDatabaseDamage(err)) {
      this.first = err instanceof Error ? err.message : String(err);
    }
  }

  /** What the engine said, when a query met damage; undefined otherwise. */
  get damage(): string | undefined {
    return this.first;
  }
}
