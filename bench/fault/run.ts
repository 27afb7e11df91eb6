/**
 * One seeded fault run, start to finish: a private PostgreSQL and Redis, three
 * chat-server nodes, users and conversations set up over REST, SDK clients sending while
 * the four faults happen, a quiet period for everyone to resume, then the checker. Every
 * process and directory it made is removed however the run ends.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { POSTGRES_QUERY } from "../lib/stored-messages.js";
import { check, type StoredRow, type Verdict, violated } from "./checker.js";
import { createClient, type FaultClient, sendAll } from "./clients.js";
import { type FaultRecord, type FaultTargets, planFaults, runFaults } from "./faults.js";
import { type ChatNode, startNodes } from "./nodes.js";
import { type Random, seededRandom } from "./prng.js";
import { startPostgres, startRedis } from "./services.js";
import { type Conversation, conversationsOf, populate } from "./setup.js";

export interface RunOptions {
  seed: number;
  clients: number;
  messages: number;
  /** Mean pause between one client's sends. */
  gapMs: number;
  inFlight: number;
  nodes: number;
  /** Faults happen between 10 % and 70 % of this; default messages x gapMs. */
  faultWindowMs?: number;
  /** Sends still unacked this long after the first send are given up. */
  sendTimeoutMs: number;
  /** How long everyone must be connected and silent before checking. */
  quietMs: number;
  /** Registers an undo step with the caller (e.g. to run on Ctrl-C). */
  onCleanup?: (step: () => Promise<void>) => void;
  log?: (line: string) => void;
}

export interface RunRecord extends Verdict {
  seed: number;
  clients: number;
  messages_per_client: number;
  gap_ms: number;
  in_flight: number;
  conversations: { direct: number; group: number };
  reconnects: number;
  unauthorized: number;
  deduplicated: number;
  faults: FaultRecord[];
  setup_s: number;
  /** From the first send until every send was acked (or given up). */
  send_s: number;
  /** From the first send until the last fault was over (the killed node back up). */
  faults_s: number;
  /** Faults that started before the last ack: the ones that hit traffic. */
  faults_during_sends: number;
  settle_s: number;
  duration_s: number;
  ok: boolean;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const seconds = (ms: number) => Math.round(ms / 100) / 10;

async function waitUntil(done: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (!done()) {
    if (performance.now() > deadline) return false;
    await sleep(50);
  }
  return true;
}

/** Every row of the messages table, read straight from the private PostgreSQL. */
async function storedRows(url: string): Promise<StoredRow[]> {
  for (let attempt = 1; ; attempt++) {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
    try {
      await client.connect();
      const result = await client.query<StoredRow>(POSTGRES_QUERY);
      return result.rows;
    } catch (err) {
      if (attempt >= 10) throw err;
      await sleep(1000);
    } finally {
      await client.end().catch(() => {});
    }
  }
}

/** Sends everyone's messages while the faults happen; gives up sends at the time limit. */
async function sendThroughFaults(
  options: RunOptions,
  random: Random,
  clients: FaultClient[],
  conversations: Conversation[],
  targets: FaultTargets,
): Promise<{ faults: FaultRecord[]; sendMs: number; faultsMs: number }> {
  const windowMs = options.faultWindowMs ?? options.messages * options.gapMs;
  const plan = planFaults(random.fork(2), windowMs, targets.nodes.length);
  const startedAt = performance.now();
  let giveUp = false;
  const faults = runFaults(plan, targets, startedAt);
  const timer = setTimeout(() => {
    giveUp = true;
    for (const c of clients) for (const p of c.socket.pending()) c.socket.cancel(p.clientId);
  }, options.sendTimeoutMs);
  try {
    const sending = clients.map((client, i) =>
      sendAll(
        client,
        {
          ...conversationsOf(conversations, client.userId),
          count: options.messages,
          meanGapMs: options.gapMs,
          inFlight: options.inFlight,
          prefix: `s${options.seed}u${i}`,
        },
        random.fork(200 + i),
        () => giveUp || targets.stopping(),
      ),
    );
    const sends = Promise.all(sending).then(() => performance.now() - startedAt);
    const records = await faults;
    const faultsMs = performance.now() - startedAt;
    return { faults: records, sendMs: await sends, faultsMs };
  } finally {
    clearTimeout(timer);
  }
}

interface RunScope {
  dir: string;
  /** Registers an undo step (run last first at the end); after the end it runs at once. */
  defer(step: () => Promise<void>): void;
  stopping(): boolean;
}

/**
 * One seeded run; throws if it takes longer than `sendTimeoutMs` + 5 minutes, and always
 * removes what it started.
 */
export async function faultRun(options: RunOptions): Promise<RunRecord> {
  const dir = mkdtempSync(join(tmpdir(), "chat-fault-"));
  const undo: (() => Promise<void>)[] = [async () => rmSync(dir, { recursive: true, force: true })];
  let stopping = false;
  const teardown = async () => {
    stopping = true;
    for (let step = undo.pop(); step; step = undo.pop()) await step().catch(() => {});
  };
  options.onCleanup?.(teardown);
  const limitMs = options.sendTimeoutMs + 300_000;
  let timer: NodeJS.Timeout | undefined;
  const defer = (step: () => Promise<void>) => {
    if (stopping) void step().catch(() => {});
    else undo.push(step);
  };
  const body = runInScope(options, { dir, defer, stopping: () => stopping });
  // After a timeout the body fails as its processes go away; the race has the verdict.
  body.catch(() => {});
  try {
    return await Promise.race([
      body,
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`seed ${options.seed}: the run took over ${limitMs / 1000} s`)),
          limitMs,
        );
      }),
    ]);
  } finally {
    clearTimeout(timer);
    await teardown();
  }
}

async function runInScope(options: RunOptions, scope: RunScope): Promise<RunRecord> {
  const { dir, defer } = scope;
  const log = options.log ?? (() => {});
  const random = seededRandom(options.seed);
  const began = performance.now();
  const postgres = await startPostgres();
  defer(() => postgres.stop());
  const redis = await startRedis();
  defer(() => redis.stop());
  const nodes: ChatNode[] = [];
  defer(async () => {
    await Promise.all(nodes.map((n) => n.stop()));
  });
  const settings = { dir, databaseUrl: postgres.url, redisUrl: redis.url };
  await startNodes(options.nodes, settings, (node) => nodes.push(node));
  const urls = nodes.map((n) => n.url);
  log(`seed ${options.seed}: postgres :${postgres.port}, redis :${redis.port}, nodes ${urls}`);

  const { users, conversations } = await populate(urls, options.clients, random.fork(1));
  const clients = users.map((user, i) =>
    createClient(user.id, user.token, urls, i % urls.length, random.fork(100 + i)),
  );
  defer(async () => {
    for (const c of clients) c.socket.close();
  });
  for (const c of clients) c.socket.connect();
  if (!(await waitUntil(() => clients.every((c) => c.socket.state === "open"), 30_000))) {
    throw new Error("the clients did not all connect within 30 s");
  }
  const setupMs = performance.now() - began;

  const targets = { nodes, redis, postgres, stopping: scope.stopping };
  const { faults, sendMs, faultsMs } = await sendThroughFaults(
    options,
    random,
    clients,
    conversations,
    targets,
  );
  log(
    `seed ${options.seed}: sends acked after ${seconds(sendMs)} s, faults over after ${seconds(faultsMs)} s`,
  );

  // Everyone back on a socket, resumed, and nothing new arriving for a while.
  const settleStart = performance.now();
  const quiet = (c: FaultClient) =>
    c.socket.state === "open" && performance.now() - c.lastActivity >= options.quietMs;
  const settled = await waitUntil(() => clients.every(quiet), 60_000);
  const settleMs = performance.now() - settleStart;

  const rows = await storedRows(postgres.url);
  const verdict = check(clients, new Map(conversations.map((c) => [c.id, c.members])), rows);
  if (!settled) verdict.problems.push("the clients were not all open and quiet after 60 s");
  for (const node of nodes) {
    if (!node.alive()) verdict.problems.push(`node ${node.index} is down at the end`);
  }
  for (const fault of faults) {
    if (fault.error) verdict.problems.push(`fault ${fault.kind} failed: ${fault.error}`);
  }
  return {
    seed: options.seed,
    clients: options.clients,
    messages_per_client: options.messages,
    gap_ms: options.gapMs,
    in_flight: options.inFlight,
    conversations: {
      direct: conversations.filter((c) => !c.group).length,
      group: conversations.filter((c) => c.group).length,
    },
    ...verdict,
    reconnects: clients.reduce((n, c) => n + Math.max(0, c.connections - 1), 0),
    unauthorized: clients.reduce((n, c) => n + c.unauthorized, 0),
    deduplicated: clients.reduce((n, c) => n + c.deduplicated, 0),
    faults,
    setup_s: seconds(setupMs),
    send_s: seconds(sendMs),
    faults_s: seconds(faultsMs),
    faults_during_sends: faults.filter((f) => f.startedMs < sendMs).length,
    settle_s: seconds(settleMs),
    duration_s: seconds(performance.now() - began),
    // A fault that could not be injected makes the run prove nothing.
    ok: !violated(verdict) && faults.every((f) => !f.error),
  };
}
