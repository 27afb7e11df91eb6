/**
 * Recognises database errors by meaning, whichever engine raised them.
 */
export function isUniqueViolation(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return (
    code === "SQLITE_CONSTRAINT_UNIQUE" ||
    code === "SQLITE_CONSTRAINT_PRIMARYKEY" ||
    code === "23505"
  );
}

const UNAVAILABLE_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "57P01", // admin_shutdown
  "57P02", // crash_shutdown
  "57P03", // cannot_connect_now
  "08000",
  "08003",
  "08006",
  "SQLITE_BUSY",
  "SQLITE_IOERR",
]);

/** True when the database could not be reached, as opposed to a bad query. */
export function isDatabaseUnavailable(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown } | null;
  if (typeof e?.code === "string" && UNAVAILABLE_CODES.has(e.code)) return true;
  const message = typeof e?.message === "string" ? e.message : "";
  return /timeout exceeded when trying to connect|Connection terminated|connect ECONNREFUSED/i.test(
    message,
  );
}
