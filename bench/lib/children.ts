/**
 * Starts a service under test (the chat-server or the raw relay) as a child process on
 * 127.0.0.1, finds its port, and stops it again: on request, on cleanup, and as a last
 * resort when the harness exits.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { hasExited, waitForExit } from "./child-exit.js";
import { onCleanup, onExitKill } from "./cleanup.js";
import { listeningPorts, type ProcSample, sampleProcess } from "./proc.js";

const OUTPUT_LIMIT = 64 * 1024;
const START_TIMEOUT_MS = 30_000;

export interface ChildService {
  name: string;
  pid: number;
  /** http://127.0.0.1:PORT */
  url: string;
  /** ws://127.0.0.1:PORT */
  wsUrl: string;
  sample(): ProcSample;
  /** The last 64 KiB the child wrote to stdout and stderr. */
  output(): string;
  stop(): Promise<void>;
}

async function healthy(url: string): Promise<boolean> {
  try {
    const response = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2000) });
    await response.arrayBuffer();
    return response.ok;
  } catch {
    return false;
  }
}

async function findPort(
  name: string,
  child: ChildProcess,
  output: () => string,
  startTimeoutMs: number,
): Promise<string> {
  const pid = child.pid ?? 0;
  const deadline = Date.now() + startTimeoutMs;
  while (Date.now() < deadline) {
    if (hasExited(child)) {
      throw new Error(`${name} exited (${child.exitCode ?? child.signalCode}):\n${output()}`);
    }
    let ports: number[] = [];
    try {
      ports = listeningPorts(pid);
    } catch {
      // the process is still starting
    }
    for (const port of ports) {
      const url = `http://127.0.0.1:${port}`;
      if (await healthy(url)) return url;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(
    `${name} did not start listening within ${startTimeoutMs / 1000} s:\n${output()}`,
  );
}

/** Spawns `node NODE_ARGS ARGS` (server-entry.ts) and resolves once it answers GET /health. */
export async function startService(
  name: string,
  /** Node's arguments up to and including the entry file. */
  nodeArgs: string[],
  args: string[],
  env: NodeJS.ProcessEnv = {},
  /** A server's first start on a large database it did not write itself checks every page. */
  startTimeoutMs = START_TIMEOUT_MS,
): Promise<ChildService> {
  // BENCH_PROFILE_DIR=dir writes a V8 CPU profile of each child there when it exits.
  const profile = process.env.BENCH_PROFILE_DIR
    ? ["--cpu-prof", `--cpu-prof-dir=${process.env.BENCH_PROFILE_DIR}`]
    : [];
  const child = spawn(process.execPath, [...profile, ...nodeArgs, ...args], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let log = "";
  const keep = (chunk: Buffer) => {
    log = (log + chunk.toString()).slice(-OUTPUT_LIMIT);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const forget = onExitKill(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  });
  let stopped: Promise<void> | undefined;
  const stop = () => {
    stopped ??= (async () => {
      if (!(await waitForExit(child, 0))) {
        child.kill("SIGTERM");
        // A clean stop of a server on a large database ends with a checkpoint.
        if (!(await waitForExit(child, 30_000))) {
          child.kill("SIGKILL");
          await waitForExit(child, 5000);
        }
      }
      forget();
    })();
    return stopped;
  };
  onCleanup(stop);
  const url = await findPort(name, child, () => log, startTimeoutMs);
  const pid = child.pid ?? 0;
  return {
    name,
    pid,
    url,
    wsUrl: url.replace(/^http/, "ws"),
    sample: () => sampleProcess(pid),
    output: () => log,
    stop,
  };
}
