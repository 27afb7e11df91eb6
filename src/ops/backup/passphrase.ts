/**
 * Reads the backup passphrase from a file, never from the command line, where it would
 * show in `ps` and shell history.
 */
import { readFileSync, statSync } from "node:fs";
import { BackupError } from "./backup-error.js";

export const MIN_PASSPHRASE_CHARS = 16;

export interface Passphrase {
  value: string;
  /** Set when group or others may read the file. */
  warning?: string;
}

export function readPassphraseFile(path: string): Passphrase {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? String(err);
    throw new BackupError(`cannot read the passphrase file ${path} (${reason})`);
  }
  // Only the first line counts, so a file written by `echo` or an editor works as is.
  const value = (text.split(/\r?\n/)[0] ?? "").trim();
  if (value.length < MIN_PASSPHRASE_CHARS) {
    throw new BackupError(
      `the passphrase in ${path} is shorter than ${MIN_PASSPHRASE_CHARS} characters; make one with: openssl rand -base64 32 > ${path}`,
    );
  }
  const mode = statSync(path).mode & 0o777;
  if ((mode & 0o077) !== 0) {
    return {
      value,
      warning: `warning: ${path} is readable by other users (mode ${mode.toString(8)}); chmod 600 ${path}`,
    };
  }
  return { value };
}
