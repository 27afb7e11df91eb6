/**
 * Runs the chat-server command in a child process, as an operator would (from the build
 * or from source: command-entry.ts).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { CHAT_SERVER_ARGS } from "./command-entry.js";
import { keepLogLines } from "./log-dir.js";

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Run as this user and group (the test runs as root), as a service account would. */
  uid?: number;
  gid?: number;
}

export function spawnCli(args: string[], options: CliOptions = {}): ChildProcess {
  const child = spawn(process.execPath, [...CHAT_SERVER_ARGS, ...args], {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
    ...(options.uid === undefined ? {} : { uid: options.uid }),
    ...(options.gid === undefined ? {} : { gid: options.gid }),
  });
  keepLogLines(
    [child.stdout, child.stderr],
    `cli-${args[0]?.startsWith("-") === false ? args[0] : "server"}`,
  );
  return child;
}

export function finished(child: ChildProcess): Promise<CliResult> {
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (chunk) => {
    stdout += chunk;
  });
  child.stderr?.on("data", (chunk) => {
    stderr += chunk;
  });
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

export function runCli(args: string[], options: CliOptions = {}): Promise<CliResult> {
  return finished(spawnCli(args, options));
}
