/**
 * Three (or more) chat-server processes started from source on fixed loopback ports, all
 * on the same private PostgreSQL and Redis. A node that is SIGKILLed comes back on the
 * same port, so clients that fail over find it again where they left it.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { hasExited, waitForExit } from "../lib/child-exit.js";
import { freePort } from "../lib/free-port.js";
import { chatServerNodeArgs } from "../lib/server-entry.js";

const OUTPUT_LIMIT = 32 * 1024;
const START_TIMEOUT_MS = 60_000;

export interface NodeSettings {
  dir: string;
  databaseUrl: string;
  redisUrl: string;
}

export interface ChatNode {
  index: number;
  url: string;
  /** Whether the process is alive (it may still be starting). */
  alive(): boolean;
  /** SIGKILL, then wait for the exit. */
  kill(): Promise<void>;
  /** Starts the process again on the same port; retries while the database is away. */
  restart(): Promise<void>;
  stop(): Promise<void>;
  output(): string;
}

function configText(port: number, settings: NodeSettings, secret: string): string {
  return `[server]
port = ${port}
host = "127.0.0.1"
log_level = "warn"
socket_heartbeat_seconds = 5

[database]
type = "postgres"
url = "${settings.databaseUrl}"
pool_size = 8

[uploads]
# Shared by every node, as a cluster's uploads directory is.
path = "${join(settings.dir, "uploads")}"

[auth]
jwt_secret = "${secret}"

[rate_limit]
enabled = false

[limits]
sockets_per_user = 100000

[redis]
url = "${settings.redisUrl}"
key_prefix = "fault:"
`;
}

/** Any HTTP answer means the process listens; /health may say 503 while PostgreSQL restarts. */
async function answers(url: string): Promise<boolean> {
  try {
    const response = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2000) });
    await response.arrayBuffer();
    return true;
  } catch {
    return false;
  }
}

async function createNode(index: number, settings: NodeSettings, secret: string) {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const configFile = join(settings.dir, `node-${index}.toml`);
  writeFileSync(configFile, configText(port, settings, secret));
  let child: ChildProcess | undefined;
  let log = "";
  let stopped = false;

  const spawnOnce = async (): Promise<void> => {
    const proc = spawn(process.execPath, [...chatServerNodeArgs(), "--config", configFile], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    child = proc;
    const keep = (chunk: Buffer) => {
      log = (log + chunk.toString()).slice(-OUTPUT_LIMIT);
    };
    proc.stdout?.on("data", keep);
    proc.stderr?.on("data", keep);
    const deadline = Date.now() + START_TIMEOUT_MS;
    while (!(await answers(url))) {
      if (hasExited(proc))
        throw new Error(`node ${index} exited (${proc.exitCode ?? proc.signalCode})`);
      if (Date.now() > deadline) throw new Error(`node ${index} did not start:\n${log}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };

  const start = async (): Promise<void> => {
    // A node that starts while PostgreSQL or Redis is away may exit: try again a few times.
    for (let attempt = 1; ; attempt++) {
      if (stopped) throw new Error(`node ${index} was stopped`);
      try {
        await spawnOnce();
        return;
      } catch (err) {
        if (child && !hasExited(child)) child.kill("SIGKILL");
        if (stopped || attempt >= 5) throw new Error(`${(err as Error).message}\n${log}`);
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    }
  };

  const node: ChatNode = {
    index,
    url,
    alive: () => !hasExited(child),
    async kill() {
      if (!child || hasExited(child)) return;
      child.kill("SIGKILL");
      await waitForExit(child, 10_000);
    },
    restart: start,
    async stop() {
      stopped = true;
      if (!child || hasExited(child)) return;
      // A short grace period: a teardown (also on Ctrl-C) must stay bounded.
      child.kill("SIGTERM");
      await waitForExit(child, 2000);
      if (!hasExited(child)) {
        child.kill("SIGKILL");
        await waitForExit(child, 5000);
      }
    },
    output: () => log,
  };
  return node;
}

/** Starts `count` nodes: the first applies the migrations, the rest start together. */
export async function startNodes(
  count: number,
  settings: NodeSettings,
  track: (node: ChatNode) => void,
): Promise<ChatNode[]> {
  const secret = randomBytes(32).toString("hex");
  const nodes: ChatNode[] = [];
  for (let i = 0; i < count; i++) {
    const node = await createNode(i, settings, secret);
    nodes.push(node);
    track(node);
  }
  const [first, ...rest] = nodes;
  await first?.restart();
  await Promise.all(rest.map((n) => n.restart()));
  return nodes;
}
