/**
 * The chat-server under test: a temporary directory, a configuration file written for
 * benchmarking (loopback, port 0, rate limits off, log level warn, a fresh random JWT
 * secret), and optionally a PostgreSQL schema and a Redis key prefix of its own, all
 * removed again when the harness ends.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import SqliteDatabase from "better-sqlite3-multiple-ciphers";
import { Redis } from "ioredis";
import pg from "pg";
import { applyKey, readKeyFile } from "../../src/storage/sqlite/encryption.js";
import { type ChildService, startService } from "./children.js";
import { onCleanup } from "./cleanup.js";
import { chatServerNodeArgs } from "./server-entry.js";

export const POSTGRES_URL =
  process.env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
export const REDIS_URL = process.env.BENCH_REDIS_URL ?? "redis://127.0.0.1:6379";

export interface ServerOptions {
  database: "sqlite" | "postgres";
  redis: boolean;
  logLevel: string;
  poolSize: number;
  /** Nodes started on the same configuration (several need PostgreSQL and Redis). */
  nodes: number;
  /** SQLite only: the database encrypted at rest ([database] encryption_key_file). */
  encrypted: boolean;
}

export interface ServerSetup {
  options: ServerOptions;
  dir: string;
  configFile: string;
  /** The SQLite file (sqlite) or the schema name (postgres). */
  sqlitePath: string;
  postgresSchema: string;
  /** The key file of an encrypted SQLite database, else "". */
  keyFile: string;
}

/** A connection to the bench's SQLite file (the server stopped), keyed when encrypted. */
export function openBenchSqlite(setup: ServerSetup): SqliteDatabase.Database {
  const db = new SqliteDatabase(setup.sqlitePath);
  if (setup.keyFile) applyKey(db, readKeyFile(setup.keyFile, 4));
  return db;
}

async function withPostgres(run: (client: pg.Client) => Promise<unknown>): Promise<void> {
  const client = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    await run(client);
  } finally {
    await client.end();
  }
}

async function dropRedisPrefix(prefix: string): Promise<void> {
  const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  try {
    let cursor = "0";
    // Bounded: at most 1,000 SCAN rounds.
    for (let round = 0; round < 1000; round++) {
      const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 1000);
      if (keys.length > 0) await redis.del(...keys);
      cursor = next;
      if (cursor === "0") break;
    }
  } finally {
    redis.disconnect();
  }
}

function configText(
  setup: Omit<ServerSetup, "configFile">,
  secret: string,
  redisPrefix: string,
  port: number,
) {
  const { options } = setup;
  const database =
    options.database === "postgres"
      ? `type = "postgres"\nurl = "${POSTGRES_URL}"\nschema = "${setup.postgresSchema}"\npool_size = ${options.poolSize}\n\n[uploads]\npath = "${join(dirname(setup.sqlitePath), "uploads")}"`
      : `type = "sqlite"\npath = "${setup.sqlitePath}"${setup.keyFile ? `\nencryption_key_file = "${setup.keyFile}"` : ""}`;
  const redis = options.redis
    ? `\n[redis]\nurl = "${REDIS_URL}"\nkey_prefix = "${redisPrefix}"\n`
    : "";
  return `# Written by bench/: loopback only, no rate limits, quiet logs.
[server]
port = ${port}
host = "127.0.0.1"
log_level = "${options.logLevel}"

[database]
${database}

[auth]
jwt_secret = "${secret}"
token_expiry_seconds = 86400

[rate_limit]
enabled = false

# The idle workload spreads thousands of sockets over a few users.
[limits]
sockets_per_user = 100000
${redis}`;
}

/**
 * Writes the configuration and creates the database schema's home; nothing runs yet.
 * `port` 0 takes any free port at each start; a workload that restarts the server and
 * wants its clients to find it again gives a fixed one.
 */
export async function prepareServer(options: ServerOptions, port = 0): Promise<ServerSetup> {
  const dir = mkdtempSync(join(tmpdir(), "chat-bench-"));
  onCleanup(() => rmSync(dir, { recursive: true, force: true }));
  const tag = randomBytes(5).toString("hex");
  const setup = {
    options,
    dir,
    sqlitePath: join(dir, "chat.db"),
    postgresSchema: options.database === "postgres" ? `bench_${tag}` : "",
    keyFile: options.encrypted ? join(dir, "db-key") : "",
  };
  if (setup.keyFile) {
    writeFileSync(setup.keyFile, randomBytes(32).toString("base64"), { mode: 0o600 });
  }
  if (options.database === "postgres") {
    await withPostgres((c) => c.query(`create schema ${setup.postgresSchema}`));
    onCleanup(() =>
      withPostgres((c) => c.query(`drop schema if exists ${setup.postgresSchema} cascade`)),
    );
  }
  const redisPrefix = `bench:${tag}:`;
  if (options.redis) onCleanup(() => dropRedisPrefix(redisPrefix));
  const configFile = join(dir, "config.toml");
  const secret = randomBytes(32).toString("base64");
  writeFileSync(configFile, configText(setup, secret, redisPrefix, port), { mode: 0o600 });
  return { ...setup, configFile };
}

/** Starts `chat-server --config FILE` from source and waits until it answers /health. */
export function startChatServer(
  setup: ServerSetup,
  env: NodeJS.ProcessEnv = {},
  startTimeoutMs?: number,
): Promise<ChildService> {
  return startService(
    "chat-server",
    chatServerNodeArgs(),
    ["--config", setup.configFile],
    env,
    startTimeoutMs,
  );
}

/** Runs a query batch against the benchmark's own PostgreSQL schema. */
export function inBenchSchema(
  setup: ServerSetup,
  run: (client: pg.Client) => Promise<unknown>,
): Promise<void> {
  return withPostgres(async (client) => {
    await client.query(`set search_path = ${setup.postgresSchema}`);
    await run(client);
  });
}
