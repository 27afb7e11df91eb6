/**
 * Runs the chat-client command (from the build or from source: command-entry.ts) as a
 * child process with its own config directory, collecting its output as it arrives.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CHAT_CLIENT_ARGS } from "./command-entry.js";
import { createUser, type TestUser } from "./factories.js";

export const RUN_TIMEOUT_MS = 20_000;
export const WAIT_TIMEOUT_MS = 15_000;

export interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A running client whose output is collected as it arrives. */
export interface Client {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  done: Promise<Result>;
}

const tempDirs: string[] = [];

export function configDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "chat-client-test-"));
  tempDirs.push(dir);
  return dir;
}

/** Extra environment variables and a working directory for the child. */
export interface RunOptions {
  env?: Record<string, string>;
  cwd?: string;
  /** On a pseudo-terminal, as interactive mode needs: what is written to stdin is typed. */
  terminal?: boolean;
}

const shellQuoted = (arg: string) => `'${arg.replaceAll("'", "'\\''")}'`;

/** The program and arguments that start the client, through script(1) on a terminal. */
function commandLine(args: string[], terminal: boolean): [string, string[]] {
  const argv = [...CHAT_CLIENT_ARGS, ...args];
  if (!terminal) return [process.execPath, argv];
  // -q: no banner, -f: output as it comes, -e: the client's exit status, -c: the command.
  const line = [process.execPath, ...argv].map(shellQuoted).join(" ");
  return ["script", ["-qfec", line, "/dev/null"]];
}

/** `input`: all of stdin at once; null: stdin stays open for the test to write to. */
export function start(
  args: string[],
  dir: string,
  input?: string | null,
  options: RunOptions = {},
): Client {
  const [program, argv] = commandLine(args, options.terminal === true);
  const child = spawn(program, argv, {
    // A CHAT_TOKEN of whoever runs the tests must not stand in for the saved session.
    env: {
      ...process.env,
      CHAT_CLIENT_CONFIG_DIR: dir,
      NO_COLOR: "1",
      CHAT_TOKEN: "",
      CHAT_SERVER: "",
      ...options.env,
    },
    ...(options.cwd ? { cwd: options.cwd } : {}),
    stdio: ["pipe", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (chunk) => {
    stdout += chunk;
  });
  child.stderr?.on("data", (chunk) => {
    stderr += chunk;
  });
  child.stdin?.on("error", () => {});
  if (input === undefined) child.stdin?.end();
  else if (input !== null) child.stdin?.end(input);
  const done = new Promise<Result>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
  return { child, stdout: () => stdout, stderr: () => stderr, done };
}

export function stop(client: Client): void {
  if (client.child.exitCode === null && client.child.signalCode === null) {
    client.child.kill("SIGKILL");
  }
}

/** Runs the client to completion, killing it if it takes too long. */
export async function run(
  args: string[],
  dir: string,
  input?: string,
  options: RunOptions = {},
): Promise<Result> {
  const client = start(args, dir, input, options);
  const timer = setTimeout(() => stop(client), RUN_TIMEOUT_MS);
  try {
    return await client.done;
  } finally {
    clearTimeout(timer);
    stop(client);
  }
}

/** What a `--json` command printed: one JSON value a line. */
export function jsonLines(out: string): any[] {
  return out
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line));
}

export async function waitFor(
  what: string,
  read: () => string,
  check: (text: string) => boolean,
  timeout = WAIT_TIMEOUT_MS,
) {
  const deadline = Date.now() + timeout;
  while (!check(read())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; got:\n${read()}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Saves a session the way `login` does, for tests about other commands. */
export function loggedIn(server: string, user: TestUser): string {
  const dir = configDir();
  const credentials = { server, token: user.token, username: user.username, user_id: user.id };
  writeFileSync(join(dir, "credentials.json"), JSON.stringify(credentials), { mode: 0o600 });
  return dir;
}

/** A new person on `server` with a session saved in a config directory of their own. */
export async function signedInPerson(server: string): Promise<{ user: TestUser; dir: string }> {
  const user = await createUser(server);
  return { user, dir: loggedIn(server, user) };
}

/** Removes the config directories made by configDir(). */
export function removeConfigDirs(): void {
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}
