import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { after, before, it } from "node:test";
import { forEachEngine } from "../helpers/engines.js";
import { client } from "../helpers/http.js";
import type { TestServer } from "../helpers/server.js";

const SAMPLE_LINE =
  /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*",?)*\})? -?([0-9.e+-]+|NaN|\+Inf|-Inf)( -?\d+)?$/;

/** Prometheus' own linter, from the Debian package `prometheus`; CI machines have it. */
const PROMTOOL_MISSING =
  spawnSync("promtool", ["--version"]).error === undefined
    ? false
    : "promtool is not installed (apt-get install prometheus)";

function promtoolCheckMetrics(text: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn("promtool", ["check", "metrics"], { stdio: ["pipe", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk) => {
      output += chunk;
    });
    child.stderr.on("data", (chunk) => {
      output += chunk;
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, output }));
    child.stdin.end(text);
  });
}

forEachEngine("operations endpoints", { redis: true }, ({ engine, start }) => {
  let server: TestServer;
  before(async () => {
    server = await start();
  });
  after(() => server.stop());

  it("/health answers exactly status, timestamp and uptime_seconds", async () => {
    const res = await client(server.url).get("/health");
    assert.equal(res.status, 200);
    assert.deepEqual(Object.keys(res.body), ["status", "timestamp", "uptime_seconds"]);
    assert.equal(res.body.status, "healthy");
    assert.ok(
      Number.isInteger(res.body.timestamp) && Math.abs(res.body.timestamp - Date.now()) < 5000,
    );
    assert.ok(Number.isInteger(res.body.uptime_seconds) && res.body.uptime_seconds >= 0);
  });

  it("/status reports connections, version, uptime and database type", async () => {
    const res = await client(server.url).get("/status");
    assert.equal(res.status, 200);
    assert.equal(res.body.connections, 0);
    assert.match(res.body.version, /^\d+\.\d+\.\d+/);
    assert.equal(res.body.database, engine);
    assert.ok(Number.isInteger(res.body.uptime_seconds));
  });

  it("/metrics is Prometheus text with process, HTTP, socket and auth metrics", async () => {
    const api = client(server.url);
    await api.get("/api/v1/me");
    const res = await api.get("/metrics");
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type") ?? "", /^text\/plain; version=0\.0\.4/);
    const lines = res.text.split("\n").filter((l) => l !== "");
    for (const line of lines) {
      if (line.startsWith("#"))
        assert.match(line, /^# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* .+$/, line);
      else assert.match(line, SAMPLE_LINE, line);
    }
    for (const name of [
      "process_cpu_seconds_total",
      "process_resident_memory_bytes",
      "chat_http_requests_total",
      "chat_http_request_duration_seconds_bucket",
      "chat_websocket_connections",
      "chat_auth_failures_total",
      "chat_rate_limit_rejections_total",
    ]) {
      assert.ok(
        res.text.includes(`# TYPE ${name.replace(/_bucket$/, "")} `),
        `${name} is exported`,
      );
    }
    assert.match(
      res.text,
      /chat_http_requests_total\{method="GET",route="\/api\/v1\/me",status="401"\} 1/,
    );
  });

  it("/metrics passes promtool check metrics", { skip: PROMTOOL_MISSING }, async () => {
    const api = client(server.url);
    await api.get("/api/v1/me");
    await api.get("/health");
    const res = await api.get("/metrics");
    assert.equal(res.status, 200);
    const check = await promtoolCheckMetrics(res.text);
    assert.equal(check.code, 0, check.output);
    assert.equal(check.output.trim(), "", check.output);
  });

  it("/health answers 503 unhealthy, naming the check, when the database check fails", async () => {
    const broken = await start();
    try {
      await broken.ctx.store.close();
      const res = await client(broken.url).get("/health");
      assert.equal(res.status, 503);
      assert.equal(res.body.status, "unhealthy");
      assert.deepEqual(Object.keys(res.body), ["status", "timestamp", "uptime_seconds", "failing"]);
      assert.deepEqual(res.body.failing, ["database"]);
    } finally {
      await broken.stop();
    }
  });
});
