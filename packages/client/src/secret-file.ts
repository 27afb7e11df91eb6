/**
 * Files only the user may read, in the client's configuration directory: the session's
 * token, and this installation's device keys for end-to-end encryption.
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
import { basename, dirname, isAbsolute, join } from "node:path";
import { CliError } from "./errors.js";

export function configDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.CHAT_CLIENT_CONFIG_DIR) return env.CHAT_CLIENT_CONFIG_DIR;
  // The XDG spec says a relative XDG_CONFIG_HOME is invalid and must be ignored.
  const xdg = env.XDG_CONFIG_HOME;
  const base = xdg && isAbsolute(xdg) ? xdg : join(homedir(), ".config");
  return join(base, "private-chat");
}

/**
 * Writes through a fresh temporary file created 0600 and renamed into place, so the
 * secret is never readable by others, not even briefly, and a crash leaves the old file
 * intact. `name` may sit in a directory of its own (`dir/file`), made 0700 like the
 * configuration directory. Returns the file's path.
 */
export function writeSecretFile(name: string, text: string): string {
  const path = join(configDir(), name);
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  // mkdir leaves an existing directory's mode alone; this one holds only our secrets.
  chmodSync(dir, 0o700);
  const temp = join(dir, `.${basename(path)}.${process.pid}.tmp`);
  rmSync(temp, { force: true });
  const fd = openSync(temp, "wx", 0o600);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temp, path);
  return path;
}

/** Deletes one of the files; true when there was one. */
export function removeSecretFile(name: string): boolean {
  try {
    rmSync(join(configDir(), name));
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw err;
  }
}

/** A file's text, or undefined when there is none; any other failure is a config_error. */
export function readSecretFile(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new CliError("config_error", `cannot read ${path}: ${(err as Error).message}`);
  }
}

/** A file's JSON, undefined when there is none; null when its text is not JSON. */
export function readSecretJson(path: string): unknown {
  const text = readSecretFile(path);
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
