/**
 * The one error the SQLite -> PostgreSQL migration throws on purpose: a refusal or a
 * failure the operator can act on, printed as one line by the command.
 */
export class MigrationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "MigrationError";
  }
}

/** The URL with its password hidden, for messages and progress lines. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return "(unparseable URL)";
  }
}

/** A short reason from a driver error: its code when it has one, and its message. */
export function reasonOf(err: unknown): string {
  const { code, message } = err as { code?: unknown; message?: unknown };
  const text = typeof message === "string" && message !== "" ? message : String(err);
  return typeof code === "string" && !text.includes(code) ? `${text} (${code})` : text;
}
