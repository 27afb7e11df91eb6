/**
 * A rolling upgrade under load: three nodes of the previous version on one PostgreSQL
 * schema and one Redis prefix, SDK clients sending all along, and each node in turn
 * stopped (the old version's SIGTERM, the new one's `chat-server drain`) and started
 * again from the current tree on the same port; then `db migrate --contract` under load,
 * after which the nodes log references to messages instead of whole ones. No
 * acknowledged message may be lost, doubled or reordered, for any member, on whichever
 * node they were.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, it } from "node:test";
import pg from "pg";
import { check, type StoredRow, violated } from "../../bench/fault/checker.js";
import { createClient, type FaultClient, sendAll } from "../../bench/fault/clients.js";
import { seededRandom } from "../../bench/fault/prng.js";
import { conversationsOf, populate } from "../../bench/fault/setup.js";
import { hasExited, waitForExit } from "../../bench/lib/child-exit.js";
import { freePort } from "../../bench/lib/free-port.js";
import { SOURCE_NODE_ARGS } from "../../scripts/source-node-args.js";
import { latestSchemaVersion } from "../../src/storage/migrate.js";
import { runCli } from "../helpers/cli.js";
import { CHAT_SERVER_ARGS } from "../helpers/command-entry.js";
import { TEST_REDIS_URL } from "../helpers/env.js";
import { createTestSchema, type TestSchema } from "../helpers/postgres.js";
import { checkoutPrevious, type PreviousVersion, REPO_ROOT } from "../helpers/previous-version.js";

const CLIENTS = 6;

interface Node {
  port: number;
  url: string;
  config: string;
  child?: ChildProcess;
  version: "previous" | "current";
  log: string;
}

const began = performance.now();
const mark = (what: string) =>
  process.stderr.write(`rolling upgrade: ${Math.round(performance.now() - began)} ms ${what}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(done: () => boolean | Promise<boolean>, ms: number, what: string) {
  const deadline = Date.now() + ms;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

async function healthy(url: string): Promise<boolean> {
  try {
    const response = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2000) });
    await response.arrayBuffer();
    return response.status === 200;
  } catch {
    return false;
  }
}

let previous: PreviousVersion;
let schema: TestSchema;
let dir: string;
const nodes: Node[] = [];
const clients: FaultClient[] = [];

async function start(node: Node, root: string, version: Node["version"]): Promise<void> {
  // The previous version runs from its sources; this one as the other tests start it.
  const command =
    version === "current"
      ? CHAT_SERVER_ARGS
      : [...SOURCE_NODE_ARGS, join(root, "src/cli/chat-server.ts")];
  const child = spawn(process.execPath, [...command, "--config", node.config], {
    cwd: root,
    stdio: ["ignore", "pipe", "pipe"],
  });
  node.child = child;
  node.version = version;
  const keep = (chunk: Buffer) => {
    node.log = (node.log + chunk.toString()).slice(-32 * 1024);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  mark(`starting :${node.port} (${version})`);
  await until(
    async () => {
      if (hasExited(child)) throw new Error(`node :${node.port} exited:\n${node.log}`);
      return healthy(node.url);
    },
    // Only a guard: a node compiles its sources with tsx at start, slow on a busy machine.
    240_000,
    `node :${node.port} (${version}) to start`,
  );
  mark(`started :${node.port}`);
}

before(async () => {
  previous = checkoutPrevious();
  schema = await createTestSchema();
  dir = mkdtempSync(join(tmpdir(), "chat-rolling-"));
  const secret = randomBytes(32).toString("hex");
  const prefix = `test:${randomBytes(5).toString("hex")}:`;
  for (let i = 0; i < 3; i++) {
    const port = await freePort();
    const config = join(dir, `node-${i}.toml`);
    writeFileSync(
      config,
      `[server]
port = ${port}
host = "127.0.0.1"
log_level = "warn"
socket_heartbeat_seconds = 5

[database]
type = "postgres"
url = "${schema.url}"
schema = "${schema.schema}"
pool_size = 4

[auth]
jwt_secret = "${secret}"

[rate_limit]
enabled = false

[limits]
sockets_per_user = 100000

[uploads]
path = "${join(dir, "uploads")}"

[redis]
url = "${TEST_REDIS_URL}"
key_prefix = "${prefix}"
`,
    );
    nodes.push({ port, url: `http://127.0.0.1:${port}`, config, version: "previous", log: "" });
  }
});

after(async () => {
  for (const c of clients) c.socket.close();
  for (const node of nodes) {
    const child = node.child;
    if (!child || hasExited(child)) continue;
    child.kill("SIGTERM");
    if (!(await waitForExit(child, 15_000))) child.kill("SIGKILL");
  }
  await schema?.drop().catch(() => {});
  if (dir) rmSync(dir, { recursive: true, force: true });
  previous?.remove();
});

async function query<T extends pg.QueryResultRow>(text: string): Promise<T[]> {
  const db = new pg.Client({ connectionString: schema.url });
  await db.connect();
  try {
    return (await db.query<T>(text)).rows;
  } finally {
    await db.end();
  }
}

const newestEvent = async () =>
  Number((await query<{ id: string }>(`select max(id) as id from ${schema.schema}.events`))[0]?.id);

/** The stored payloads of the message.new events after `id`. */
const messageEventsAfter = async (id: number) =>
  (
    await query<{ payload: string }>(
      `select payload from ${schema.schema}.events where id > ${id} and type = 'message.new'`,
    )
  ).map((r) => r.payload);

/** What the nodes table says each live node's version knows. */
const knownBy = async () =>
  (
    await query<{ knows_through: string | null }>(
      `select knows_through from ${schema.schema}.nodes`,
    )
  ).map((r) => r.knows_through);

/** Stops one node the way its version allows, and checks it left cleanly. */
async function stop(node: Node): Promise<void> {
  const child = node.child as ChildProcess;
  mark(`stopping :${node.port}`);
  if (node.version === "previous") {
    // The previous version has no drain; its SIGTERM closes sockets with 1001.
    child.kill("SIGTERM");
  } else {
    const drained = await runCli(["drain", String(child.pid), "--timeout", "30"]);
    assert.equal(drained.code, 0, `${drained.stderr}\n${node.log}`);
  }
  assert.ok(await waitForExit(child, 30_000), `node :${node.port} did not stop:\n${node.log}`);
  assert.equal(child.exitCode, 0, `node :${node.port} (${node.version}) exit:\n${node.log}`);
  mark(`stopped :${node.port}`);
}

it("upgrades a three-node cluster one node at a time under SDK load, losing, doubling and reordering nothing", async () => {
  // The first node applies the previous version's migrations; the others join it.
  const [first, ...rest] = nodes as [Node, ...Node[]];
  await start(first, previous.root, "previous");
  await Promise.all(rest.map((n) => start(n, previous.root, "previous")));
  const urls = nodes.map((n) => n.url);

  const random = seededRandom(15);
  const { users, conversations } = await populate(urls, CLIENTS, random.fork(1));
  for (const [i, user] of users.entries())
    clients.push(createClient(user.id, user.token, urls, i % 3, random.fork(100 + i)));
  for (const c of clients) c.socket.connect();
  await until(() => clients.every((c) => c.socket.state === "open"), 30_000, "the clients");

  let upgraded = false;
  const sending = Promise.all(
    clients.map((client, i) =>
      sendAll(
        client,
        {
          ...conversationsOf(conversations, client.userId),
          count: 100_000,
          meanGapMs: 60,
          inFlight: 4,
          prefix: `u${i}`,
        },
        random.fork(200 + i),
        () => upgraded,
      ),
    ),
  );

  // Node by node: stop, start the current version on the same port, wait until it serves.
  for (const node of nodes) {
    await sleep(1000);
    await stop(node);
    await sleep(500);
    await start(node, REPO_ROOT, "current");
    const status = await runCli(["db", "status", "--json", "--config", node.config]);
    assert.equal(status.code, 0, status.stderr);
    assert.equal(JSON.parse(status.stdout).can_serve, true);
    // Each node says which schema it knows; the older ones leave it empty.
    const known = await knownBy();
    const upgradedSoFar = nodes.filter((n) => n.version === "current").length;
    assert.equal(known.filter((k) => k === latestSchemaVersion()).length, upgradedSoFar);
    assert.equal(known.filter((k) => k === null).length, 3 - upgradedSoFar);
  }
  // And a drain of the current version itself, as the next upgrade will do it.
  await sleep(1000);
  await stop(nodes[1] as Node);
  await start(nodes[1] as Node, REPO_ROOT, "current");
  await sleep(1000);
  // Every node runs the current version: the contract step may run, under load, and the
  // running nodes start logging references to messages within a heartbeat (10 s).
  const contracted = await runCli(["db", "migrate", "--contract", "--config", first.config]);
  assert.equal(contracted.code, 0, contracted.stderr);
  assert.match(contracted.stdout, /020_contract_event_references/);
  await sleep(11_000);
  const slimFrom = await newestEvent();
  await sleep(2000);
  upgraded = true;
  await sending;
  mark("sends over");

  const quiet = (c: FaultClient) =>
    c.socket.state === "open" && performance.now() - c.lastActivity >= 2000;
  await until(() => clients.every(quiet), 60_000, "every client open and quiet");

  const db = new pg.Client({ connectionString: schema.url });
  await db.connect();
  let rows: StoredRow[];
  try {
    rows = (
      await db.query<StoredRow>(
        `select id, conversation_id, seq::int as seq, sender_id, client_id from ${schema.schema}.messages`,
      )
    ).rows;
  } finally {
    await db.end();
  }
  const verdict = check(clients, new Map(conversations.map((c) => [c.id, c.members])), rows);
  assert.deepEqual(verdict.problems, []);
  assert.ok(verdict.acked > 100, `only ${verdict.acked} messages were acked`);
  assert.equal(verdict.failed, 0, "every send was acked in the end");
  assert.equal(verdict.lost_stored, 0, "every acked message is stored");
  assert.equal(verdict.lost, 0, "every acked message reached every other member");
  assert.equal(verdict.delivered, verdict.expected_deliveries);
  assert.equal(verdict.duplicated, 0);
  assert.equal(verdict.order_violations, 0);
  assert.equal(violated(verdict), false);
  const logged = await messageEventsAfter(slimFrom);
  assert.ok(logged.length > 0, "messages were sent after the contract step");
  for (const payload of logged) assert.equal(payload, "", "logged as a reference");
  // Each client lost its socket at least once and came back.
  for (const c of clients) assert.ok(c.connections >= 2, `${c.userId} never reconnected`);
});
