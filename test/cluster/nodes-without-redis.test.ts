/**
 * A node without Redis: alone it works, beside others it warns; a node whose Redis cannot
 * be reached at start exits with a clear message, and one whose Redis goes away later
 * still signs people in (docs/TROUBLESHOOTING.md, "Redis").
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { it } from "node:test";
import { runCli } from "../helpers/cli.js";
import { TEST_REDIS_URL } from "../helpers/env.js";
import { createUser } from "../helpers/factories.js";
import { client } from "../helpers/http.js";
import { startProxy } from "../helpers/proxy.js";
import { startTestServer } from "../helpers/server.js";

const WARNING =
  /"level":40.*other chat-server nodes use this database, but \[redis\] url is not set/;

/** The log is written asynchronously: give a line a moment to reach the file. */
async function logOf(file: string, expected: RegExp): Promise<string> {
  for (let i = 0; i < 50 && !expected.test(readFileSync(file, "utf8")); i++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return readFileSync(file, "utf8");
}

it("a PostgreSQL node without [redis] works alone, and warns when it finds other nodes", async () => {
  const first = await startTestServer({}, { database: "postgres" });
  try {
    assert.doesNotMatch(readFileSync(first.logFile, "utf8"), /other chat-server nodes/);
    const second = await startTestServer({
      database: first.config.database,
      auth: { jwt_secret: first.config.auth.jwt_secret },
    });
    try {
      assert.match(await logOf(second.logFile, WARNING), WARNING);
    } finally {
      await second.stop();
    }
  } finally {
    await first.stop();
  }
});

/** A port on 127.0.0.1 that nothing listens on (it was free a moment ago). */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

it("a node whose Redis cannot be reached at start exits 1 and says so", async () => {
  const dir = mkdtempSync(join(tmpdir(), "chat-noredis-"));
  try {
    const result = await runCli([], {
      env: {
        CHAT_SERVER_PORT: "0",
        CHAT_DATABASE_PATH: join(dir, "chat.db"),
        CHAT_REDIS_URL: `redis://127.0.0.1:${await closedPort()}`,
      },
    });
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /^chat-server: cannot reach Redis \(\[redis\] url\): /m);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

it("sign-in keeps working while Redis is away", async () => {
  const redis = await startProxy(TEST_REDIS_URL.replace(/^redis/, "http"));
  const target = new URL(TEST_REDIS_URL);
  target.host = new URL(redis.url).host;
  const server = await startTestServer({ redis: { url: target.toString() } }, { redis: true });
  try {
    const user = await createUser(server.url);
    redis.setDown(true);
    redis.cut();
    const login = (password: string) =>
      client(server.url).post("/api/v1/auth/login", { username: user.username, password });
    assert.equal((await login(`${user.password}!`)).status, 401);
    const ok = await login(user.password);
    assert.equal(ok.status, 200, ok.text);
  } finally {
    redis.setDown(false);
    await server.stop();
    await redis.close();
  }
});
