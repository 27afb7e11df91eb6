/**
 * A real cluster on loopback: several chat-server processes started by the CLI on one
 * PostgreSQL schema and one Redis key prefix, behind a real nginx that includes the
 * project's own deploy/nginx/chat-locations.conf.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort } from "../../bench/lib/free-port.js";
import { finished, spawnCli } from "./cli.js";
import { TEST_REDIS_URL } from "./env.js";
import { createTestSchema } from "./postgres.js";
import { testSecret } from "./server.js";

export const LOCATIONS_CONF = fileURLToPath(
  new URL("../../deploy/nginx/chat-locations.conf", import.meta.url),
);
export const NGINX = process.env.NGINX_PATH ?? "/usr/sbin/nginx";

export interface ClusterNode {
  index: number;
  url: string;
  port: number;
  nodeId: string;
  process: ChildProcess;
  output: () => string;
}

export interface Cluster {
  nodes: ClusterNode[];
  /** nginx in front of every node. */
  url: string;
  dir: string;
  schema: string;
  redisPrefix: string;
  /** SIGKILLs one node and waits for it to be gone. */
  kill(index: number): Promise<void>;
  stop(): Promise<void>;
}

/** GET over HTTP from a chosen local address (nginx's ip_hash keys on it). */
export function getFrom(url: string, localAddress: string): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const request = http.get(url, { localAddress }, (response) => {
      let text = "";
      response.on("data", (chunk) => {
        text += chunk;
      });
      response.on("end", () =>
        resolve({ status: response.statusCode ?? 0, body: text ? JSON.parse(text) : undefined }),
      );
    });
    request.on("error", reject);
  });
}

function waitForListening(node: ChildProcess, output: () => string): Promise<string> {
  return new Promise((resolve, reject) => {
    // Generous: a node starting from source on a loaded CI machine can take half a minute.
    const timer = setTimeout(() => reject(new Error(`node did not start:\n${output()}`)), 90_000);
    const check = () => {
      const match = /"url":"(http:\/\/[^"]+)".*"msg":"chat-server listening"/.exec(output());
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    node.stdout?.on("data", check);
    node.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`node exited with ${code}:\n${output()}`));
    });
  });
}

async function startNode(index: number, configFile: string): Promise<ClusterNode> {
  const child = spawnCli(["--config", configFile]);
  let log = "";
  child.stdout?.on("data", (chunk) => {
    log += chunk;
  });
  child.stderr?.on("data", (chunk) => {
    log += chunk;
  });
  const url = await waitForListening(child, () => log);
  const status = await getFrom(`${url}/status`, "127.0.0.1");
  return {
    index,
    url,
    port: Number(new URL(url).port),
    nodeId: status.body.node_id,
    process: child,
    output: () => log,
  };
}

function nginxConfig(dir: string, port: number, nodes: ClusterNode[]): string {
  const upstreams = nodes
    .map((n) => `    server 127.0.0.1:${n.port} max_fails=1 fail_timeout=5s;`)
    .join("\n");
  return `user root;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/nginx-error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  upstream chat_backend {
    ip_hash;
${upstreams}
    keepalive 16;
  }
  server {
    listen 127.0.0.1:${port};
    include ${LOCATIONS_CONF};
  }
}
`;
}

async function waitForHttp(url: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      const res = await getFrom(url, "127.0.0.1");
      if (res.status === 200) return;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`${url} did not come up`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export interface ClusterOptions {
  /** PostgreSQL and Redis URLs, e.g. through a proxy that a test can cut. */
  databaseUrl?: string;
  redisUrl?: string;
  /** More configuration (TOML sections) for every node. */
  extraConfig?: string;
}

export async function startCluster(size = 3, options: ClusterOptions = {}): Promise<Cluster> {
  const dir = mkdtempSync(join(tmpdir(), "chat-cluster-"));
  const schema = await createTestSchema();
  const redisPrefix = `test:${randomBytes(5).toString("hex")}:`;
  const configFile = join(dir, "config.toml");
  writeFileSync(
    configFile,
    `[server]
port = 0
host = "127.0.0.1"
trust_proxy = ["127.0.0.1"]
socket_heartbeat_seconds = 5

[database]
type = "postgres"
url = "${options.databaseUrl ?? schema.url}"
schema = "${schema.schema}"

[auth]
jwt_secret = "${testSecret()}"

[rate_limit]
max_requests_per_minute = 100000
max_auth_attempts = 5

[uploads]
path = "${join(dir, "uploads")}"

[redis]
url = "${options.redisUrl ?? TEST_REDIS_URL}"
key_prefix = "${redisPrefix}"
${options.extraConfig ?? ""}`,
  );
  const nodes: ClusterNode[] = [];
  const nginxPort = await freePort();
  let nginx: ChildProcess | undefined;
  const stop = async () => {
    // A node that died on its own is a finding: show what it said.
    for (const node of nodes) {
      if (
        node.process.exitCode !== null &&
        node.process.exitCode !== 0 &&
        node.process.signalCode === null
      ) {
        process.stderr.write(
          `cluster node ${node.index} exited with ${node.process.exitCode}:\n${node.output()}\n`,
        );
      }
    }
    if (nginx && nginx.exitCode === null) {
      nginx.kill("SIGTERM");
      await finished(nginx).catch(() => {});
    }
    await Promise.all(
      nodes.map(async (node) => {
        if (node.process.exitCode === null && node.process.signalCode === null) {
          node.process.kill("SIGTERM");
          await finished(node.process).catch(() => {});
        }
      }),
    );
    await schema.drop().catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    // One node first applies the migrations; the rest start together.
    nodes.push(await startNode(0, configFile));
    nodes.push(
      ...(await Promise.all(
        Array.from({ length: size - 1 }, (_, i) => startNode(i + 1, configFile)),
      )),
    );
    for (const sub of ["body", "proxy", "fastcgi", "uwsgi", "scgi"]) mkdirSync(join(dir, sub));
    const nginxConf = join(dir, "nginx.conf");
    writeFileSync(nginxConf, nginxConfig(dir, nginxPort, nodes));
    nginx = spawn(NGINX, ["-c", nginxConf, "-p", dir, "-g", "daemon off;"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    await waitForHttp(`http://127.0.0.1:${nginxPort}/health`);
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    nodes,
    url: `http://127.0.0.1:${nginxPort}`,
    dir,
    schema: schema.schema,
    redisPrefix,
    async kill(index) {
      const node = nodes[index];
      if (!node) return;
      node.process.kill("SIGKILL");
      await finished(node.process).catch(() => {});
    },
    stop,
  };
}

/** Local addresses whose requests nginx's ip_hash sends to each node, by node index. */
export async function addressesByNode(cluster: Cluster): Promise<Map<number, string>> {
  const found = new Map<number, string>();
  for (let third = 1; third < 250 && found.size < cluster.nodes.length; third++) {
    const address = `127.0.${third}.1`;
    const status = await getFrom(`${cluster.url}/status`, address);
    const node = cluster.nodes.find((n) => n.nodeId === status.body.node_id);
    if (node && !found.has(node.index)) found.set(node.index, address);
  }
  return found;
}
