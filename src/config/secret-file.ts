/**
 * A secret the operator keeps in a file of its own (a client secret, a bind password):
 * readable by its owner only, its first line the secret. Refused with a message that
 * says what to do, so the server does not start with a secret others can read.
 */
import { readFileSync, statSync } from "node:fs";

export class SecretFileError extends Error {}

export function readSecretFile(file: string, what: string): string {
  let mode: number;
  try {
    mode = statSync(file).mode;
  } catch (err) {
    throw new SecretFileError(
      `${what} ${file} cannot be read (${(err as NodeJS.ErrnoException).code ?? "error"})`,
    );
  }
  if ((mode & 0o077) !== 0) {
    throw new SecretFileError(
      `${what} ${file} may be read by others (mode ${(mode & 0o777).toString(8)}): run chmod 600 ${file}`,
    );
  }
  const secret = readFileSync(file, "utf8").split(/\r?\n/)[0] ?? "";
  if (secret === "") throw new SecretFileError(`${what} ${file} is empty`);
  return secret;
}
