/**
 * The saved session: {server, token, username, user_id} in the user's config directory,
 * readable by the user alone, since the token is as good as the password until it expires.
 */
import { join } from "node:path";
import { CliError, notLoggedIn } from "./errors.js";
import { configDir, readSecretJson, removeSecretFile, writeSecretFile } from "./secret-file.js";

export { configDir };

export interface Credentials {
  server: string;
  token: string;
  username: string;
  user_id: string;
}

const FILE_NAME = "credentials.json";

export function credentialsPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(configDir(env), FILE_NAME);
}

function isCredentials(value: unknown): value is Credentials {
  const v = value as Record<string, unknown> | null;
  return (
    typeof v === "object" &&
    v !== null &&
    ["server", "token", "username", "user_id"].every((key) => typeof v[key] === "string")
  );
}

/** The saved session, or undefined when there is none. */
export function loadCredentials(): Credentials | undefined {
  const path = credentialsPath();
  const parsed = readSecretJson(path);
  if (parsed === undefined) return undefined;
  if (!isCredentials(parsed)) {
    throw new CliError(
      "config_error",
      `${path} is not a valid credentials file; run chat-client login --server URL`,
    );
  }
  return parsed;
}

export function requireSavedCredentials(): Credentials {
  const credentials = loadCredentials();
  if (!credentials) throw notLoggedIn();
  return credentials;
}

/** Saves the session where only the user can read it (secret-file.ts). */
export function saveCredentials(credentials: Credentials): string {
  return writeSecretFile(FILE_NAME, `${JSON.stringify(credentials, null, 2)}\n`);
}

/** Deletes the saved session; true when there was one. */
export function deleteCredentials(): boolean {
  return removeSecretFile(FILE_NAME);
}
