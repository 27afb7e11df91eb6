/**
 * Runs a real chat-server on 127.0.0.1 and an ephemeral port, on a fresh SQLite file in
 * a temporary directory (or a fresh PostgreSQL schema, and Redis under a fresh key
 * prefix when asked), and talks to it over HTTP.
 */
import { randomBytes } from "node:crypto";
import { createWriteStream, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../../src/config/load.js";
import type { Config, ConfigOverrides } from "../../src/config/schema.js";
import { createLogger } from "../../src/ops/logger.js";
import { type RunningServer, startServer } from "../../src/server.js";
import { TEST_REDIS_URL } from "./env.js";
import { keepLogFile } from "./log-dir.js";
import { createTestSchema } from "./postgres.js";

export interface TestServer extends RunningServer {
  dir: string;
  config: Config;
  logFile: string;
  stop(): Promise<void>;
}

export function testSecret(): string {
  return randomBytes(32).toString("base64");
}

export interface TestServerOptions {
  database?: "sqlite" | "postgres";
  /** Link the server to the test Redis, as a cluster node is, under its own key prefix. */
  redis?: boolean;
  /** Reuse a directory (e.g. to restart on the same database file). */
  dir?: string;
  /**
   * Restart on the database (SQLite file or PostgreSQL schema), Redis prefix and
   * directory of this earlier server, closed by then with close(); the new server's
   * stop() removes them.
   */
  restartOf?: TestServer;
}

/** What a server's data lives in, removed by the stop() of the last server using it. */
interface Storage {
  dir: string;
  removeDir: boolean;
  dropSchema?: () => Promise<void>;
}
const storageOf = new WeakMap<TestServer, Storage>();

export function testConfig(dir: string, overrides: ConfigOverrides = {}): Config {
  return loadConfig({
    env: {},
    overrides: {
      ...overrides,
      server: { port: 0, host: "127.0.0.1", log_level: "info", ...overrides.server },
      database: { path: join(dir, "chat.db"), ...overrides.database },
      auth: { jwt_secret: testSecret(), ...overrides.auth },
    },
  });
}

export async function startTestServer(
  overrides: ConfigOverrides = {},
  options: TestServerOptions = {},
): Promise<TestServer> {
  const previous = options.restartOf;
  const storage: Storage = (previous && storageOf.get(previous)) ?? {
    dir: options.dir ?? mkdtempSync(join(tmpdir(), "chat-test-")),
    removeDir: options.dir === undefined,
  };
  const dir = storage.dir;
  let dbOverrides = overrides.database ?? {};
  let redisOverrides = overrides.redis ?? {};
  if (previous) {
    dbOverrides = { ...previous.config.database, ...dbOverrides };
    redisOverrides = { ...previous.config.redis, ...redisOverrides };
  } else {
    if (options.database === "postgres") {
      const schema = await createTestSchema();
      storage.dropSchema = schema.drop;
      dbOverrides = { type: "postgres", url: schema.url, schema: schema.schema, ...dbOverrides };
    }
    if (options.redis) {
      // A prefix of its own: counters and redeemed tickets stay apart from other servers'.
      const prefix = `test:${randomBytes(5).toString("hex")}:`;
      redisOverrides = { url: TEST_REDIS_URL, key_prefix: prefix, ...redisOverrides };
    }
  }
  const config = testConfig(dir, { ...overrides, database: dbOverrides, redis: redisOverrides });
  const logFile = join(dir, "server.log");
  const logStream = createWriteStream(logFile, { flags: "a" });
  // A line logged after stop() (a late timer) must not crash the test process.
  logStream.on("error", () => {});
  const logger = createLogger(config.server.log_level, logStream);
  const server = await startServer(config, { logger });
  const running: TestServer = {
    ...server,
    dir,
    config,
    logFile,
    async stop() {
      await server.close();
      // Flushed and closed before the copy, so the run's log audit sees every line.
      await new Promise<void>((resolve) => logStream.end(resolve));
      keepLogFile(logFile);
      await storage.dropSchema?.();
      if (storage.removeDir) rmSync(dir, { recursive: true, force: true });
    },
  };
  storageOf.set(running, storage);
  return running;
}
