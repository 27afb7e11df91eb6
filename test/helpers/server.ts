/**
 * Runs a real chat-server on 127.0.0.1 and an ephemeral port, on a fresh SQLite file in
 * a temporary directory (or a fresh PostgreSQL schema), and talks to it over HTTP.
 */
import { randomBytes } from "node:crypto";
import { createWriteStream, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../../src/config/load.js";
import type { Config, ConfigOverrides } from "../../src/config/schema.js";
import { createLogger } from "../../src/ops/logger.js";
import { type RunningServer, startServer } from "../../src/server.js";
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
  /** Reuse a directory (e.g. to restart on the same database file). */
  dir?: string;
}

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
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), "chat-test-"));
  let dropSchema: (() => Promise<void>) | undefined;
  let dbOverrides = overrides.database ?? {};
  if (options.database === "postgres") {
    const schema = await createTestSchema();
    dropSchema = schema.drop;
    dbOverrides = { type: "postgres", url: schema.url, schema: schema.schema, ...dbOverrides };
  }
  const config = testConfig(dir, { ...overrides, database: dbOverrides });
  const logFile = join(dir, "server.log");
  const logStream = createWriteStream(logFile, { flags: "a" });
  // A line logged after stop() (a late timer) must not crash the test process.
  logStream.on("error", () => {});
  const logger = createLogger(config.server.log_level, logStream);
  const server = await startServer(config, { logger });
  return {
    ...server,
    dir,
    config,
    logFile,
    async stop() {
      await server.close();
      // Flushed and closed before the copy, so the run's log audit sees every line.
      await new Promise<void>((resolve) => logStream.end(resolve));
      keepLogFile(logFile);
      await dropSchema?.();
      if (!options.dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}
