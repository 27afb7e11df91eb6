/**
 * The error backup and restore throw on purpose. Its message is the one line the operator
 * reads on stderr, so it names the file involved and what to do next.
 */
import SqliteDatabase from "better-sqlite3-multiple-ciphers";

export class BackupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "BackupError";
  }
}

/**
 * The one-line message for a failure an operator can act on (our own refusals, file
 * system errors, SQLite errors), or undefined for anything else, which is a bug and keeps
 * its stack trace.
 */
export function operatorMessage(err: unknown): string | undefined {
  if (err instanceof BackupError) return err.message;
  if (err instanceof SqliteDatabase.SqliteError) return `SQLite: ${err.message} (${err.code})`;
  const errno = err as NodeJS.ErrnoException;
  if (err instanceof Error && typeof errno.code === "string" && errno.syscall !== undefined) {
    return err.message;
  }
  return undefined;
}
