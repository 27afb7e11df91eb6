/**
 * `chat-server drain PID [--timeout SECONDS]`: asks the running server with that process
 * id to drain and stop (SIGUSR2), and waits until it has exited. A signal rather than a
 * network endpoint: only the server's own user (or root) may send it, and nothing new
 * listens. Under systemd: `chat-server drain $(systemctl show -p MainPID --value chat-server)`.
 */
import { readFileSync } from "node:fs";
import { type Flags, parseCommandArgs, UsageError } from "../args.js";
import type { Command } from "../command.js";
import { USAGE as COMMAND_USAGE } from "../usage.js";

const USAGE = "usage: chat-server drain PID [--timeout SECONDS]";
const flags = {
  timeout: {
    value: "SECONDS",
    description: "how long to wait for the server to stop (default 60)",
  },
} as const satisfies Flags;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists, but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Where /proc tells, the process must be a chat-server: a wrong PID is not signalled. */
function looksLikeChatServer(pid: number): boolean {
  let cmdline: string;
  try {
    cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8");
  } catch {
    return true;
  }
  return /chat-server/.test(cmdline);
}

export async function drainCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, flags);
  const pid = Number(positionals[0]);
  if (positionals.length !== 1 || !Number.isSafeInteger(pid) || pid <= 1)
    throw new UsageError(USAGE);
  const timeout = Number(values.timeout ?? "60");
  if (!(Number.isFinite(timeout) && timeout > 0))
    throw new UsageError(`--timeout must be a number of seconds; ${USAGE}`);
  if (!alive(pid)) {
    process.stderr.write(`chat-server drain: no process ${pid}\n`);
    return 1;
  }
  if (!looksLikeChatServer(pid)) {
    process.stderr.write(`chat-server drain: process ${pid} is not a chat-server\n`);
    return 1;
  }
  process.kill(pid, "SIGUSR2");
  const deadline = Date.now() + timeout * 1000;
  while (alive(pid)) {
    if (Date.now() > deadline) {
      process.stderr.write(`chat-server drain: process ${pid} still runs after ${timeout} s\n`);
      return 1;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  process.stdout.write(`process ${pid} drained and stopped\n`);
  return 0;
}

export const drainCmd: Command = {
  name: "drain",
  usage: COMMAND_USAGE.drain,
  flags,
  run: drainCommand,
};
