/**
 * A private PostgreSQL cluster and a private Redis for one fault run, on loopback and free
 * ports, so the run may restart, pause and cut them without touching the shared services
 * other people's tests use. PostgreSQL refuses to run as root: when we are root, its
 * commands run as the `postgres` OS user in a directory that user owns.
 */
import { type ChildProcess, execFile, execFileSync, spawn } from "node:child_process";
import { chownSync, mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { Redis } from "ioredis";
import { hasExited, waitForExit } from "../lib/child-exit.js";
import { freePort } from "../lib/free-port.js";

const run = promisify(execFile);
const PG_BIN = process.env.FAULT_PG_BIN ?? "/usr/lib/postgresql/15/bin";
const REDIS_SERVER = process.env.FAULT_REDIS_SERVER ?? "redis-server";

function asOwner(command: string, args: string[]): [string, string[]] {
  return process.getuid?.() === 0
    ? ["runuser", ["-u", "postgres", "--", command, ...args]]
    : [command, args];
}

async function pg(tool: string, args: string[], timeoutMs = 60_000): Promise<void> {
  const [command, argv] = asOwner(join(PG_BIN, tool), args);
  try {
    await run(command, argv, { timeout: timeoutMs });
  } catch (err) {
    const e = err as Error & { stderr?: string; stdout?: string };
    throw new Error(`${tool} ${args.join(" ")} failed: ${e.message}\n${e.stderr ?? ""}`);
  }
}

export interface PrivatePostgres {
  url: string;
  port: number;
  /** `pg_ctl restart -m fast`: open connections are cut, committed data stays. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export async function startPostgres(): Promise<PrivatePostgres> {
  const dir = mkdtempSync(join(tmpdir(), "chat-fault-pg-"));
  if (process.getuid?.() === 0) chownSync(dir, ...postgresOwner());
  const data = join(dir, "data");
  const port = await freePort();
  const remove = () => rmSync(dir, { recursive: true, force: true });
  try {
    // --no-sync only skips flushing the fresh cluster's files; the server keeps fsync on.
    await pg("initdb", ["-D", data, "-A", "trust", "-U", "postgres", "--no-sync"]);
  } catch (err) {
    remove();
    throw err;
  }
  // fsync stays at its default (on): a restart must not lose what was committed.
  const options = `-c listen_addresses=127.0.0.1 -p ${port} -c unix_socket_directories=${dir} -c max_connections=200`;
  const ctl = (args: string[]) =>
    pg("pg_ctl", ["-D", data, "-l", join(dir, "postgres.log"), "-w", "-t", "60", ...args]);
  let running = false;
  try {
    await ctl(["-o", options, "start"]);
    running = true;
  } catch (err) {
    // A start that timed out may have left a postmaster behind.
    await ctl(["-m", "immediate", "stop"]).catch(() => {});
    remove();
    throw err;
  }
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    restart: () => ctl(["-m", "fast", "restart"]),
    async stop() {
      if (running) {
        running = false;
        await ctl(["-m", "immediate", "stop"]).catch(() => {});
      }
      remove();
    },
  };
}

/** The `postgres` OS user's uid and gid (Node has no getpwnam; `id` answers). */
function postgresOwner(): [number, number] {
  const id = (flag: string) =>
    Number(execFileSync("id", [flag, "postgres"], { encoding: "utf8" }).trim());
  const [uid, gid] = [id("-u"), id("-g")];
  if (!Number.isInteger(uid) || !Number.isInteger(gid)) throw new Error("no postgres OS user");
  return [uid, gid];
}

export interface PrivateRedis {
  url: string;
  port: number;
  /** SIGSTOP: the process stays, its sockets stay open, nothing answers. */
  pause(): void;
  resume(): void;
  /** `CLIENT KILL TYPE pubsub`; resolves with how many connections were cut. */
  killPubSubClients(): Promise<number>;
  stop(): Promise<void>;
}

export async function startRedis(): Promise<PrivateRedis> {
  const port = await freePort();
  const child: ChildProcess = spawn(
    REDIS_SERVER,
    ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let log = "";
  const keep = (chunk: Buffer) => {
    log = (log + chunk.toString()).slice(-16_384);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const url = `redis://127.0.0.1:${port}`;
  let paused = false;
  let admin: Redis | undefined;
  const stop = async () => {
    admin?.disconnect();
    if (hasExited(child)) return;
    if (paused) child.kill("SIGCONT");
    child.kill("SIGKILL");
    await waitForExit(child, 10_000);
  };
  try {
    await waitForPort(
      port,
      () => child.exitCode !== null,
      () => log,
    );
    admin = new Redis(url, { maxRetriesPerRequest: 3 });
    admin.on("error", () => {
      // it reconnects by itself; a failed command reports the error
    });
    await admin.ping();
  } catch (err) {
    await stop();
    throw err;
  }
  const connected = admin;
  return {
    url,
    port,
    pause() {
      paused = true;
      child.kill("SIGSTOP");
    },
    resume() {
      paused = false;
      child.kill("SIGCONT");
    },
    async killPubSubClients() {
      return Number(await connected.call("CLIENT", "KILL", "TYPE", "pubsub"));
    },
    stop,
  };
}

async function waitForPort(port: number, exited: () => boolean, log: () => string): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, "127.0.0.1");
      socket.once("connect", () => {
        socket.destroy();
        resolve(true);
      });
      socket.once("error", () => resolve(false));
    });
    if (open) return;
    if (exited() || Date.now() > deadline) throw new Error(`redis-server did not start:\n${log()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
