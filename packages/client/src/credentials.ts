/**
 * The saved session: {server, token, username, user_id} in the user's config directory,
 * readable by the user alone, since the token is as good as the password until it expires.
 */
import {
  chmodSync,
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
} from "node:fs";
import { homedir } from "node:os";
import { isAbsolute, join } from "node:path";
import { CliError, notLoggedIn } from "./errors.js";

export interface Credentials {
  server: string;
  token: string;
  username: string;
  user_id: string;
}

const FILE_NAME = "credentials.json";

export function configDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.CHAT_CLIENT_CONFIG_DIR) return env.CHAT_CLIENT_CONFIG_DIR;
  // The XDG spec says a relative XDG_CONFIG_HOME is invalid and must be ignored.
  const xdg = env.XDG_CONFIG_HOME;
  const base = xdg && isAbsolute(xdg) ? xdg : join(homedir(), ".config");
  return join(base, "private-chat");
}

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
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new CliError("config_error", `cannot read ${path}: ${(err as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
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

/**
 * Writes through a fresh temporary file created 0600 and renamed into place, so the token
 * is never readable by others, not even briefly, and a crash leaves the old file intact.
 */
export function saveCredentials(credentials: Credentials): string {
  const dir = configDir();
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  // mkdir leaves an existing directory's mode alone; this one holds only our secrets.
  chmodSync(dir, 0o700);
  const path = join(dir, FILE_NAME);
  const temp = join(dir, `.${FILE_NAME}.${process.pid}.tmp`);
  rmSync(temp, { force: true });
  const fd = openSync(temp, "wx", 0o600);
  try {
    writeSync(fd, `${JSON.stringify(credentials, null, 2)}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temp, path);
  return path;
}

/** Deletes the saved session; true when there was one. */
export function deleteCredentials(): boolean {
  const path = credentialsPath();
  try {
    rmSync(path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw err;
  }
}
