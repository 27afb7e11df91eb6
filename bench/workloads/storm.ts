/**
 * `storm`: a restart that every client meets at once. S sockets, each a real SDK
 * ChatSocket with the SDK's own backoff and heartbeat (resume from its cursor, outbox
 * re-sent with the same client_id), are spread over U users in groups of G. A few senders
 * keep sending while the server is stopped cleanly and started again on the same port.
 * Measured: the time from the server answering again until every socket has resumed
 * (its `synced` frame), how many handshakes were told to come back later, the new
 * process's peak RSS, and, with the fault run's checker over the stored rows, that no
 * acked message was lost, doubled or reordered. No relay: it has nothing to resume.
 */

import { connect } from "node:net";
import { check, violated } from "../fault/checker.js";
import { type ClientTiming, createClient, type FaultClient, sendAll } from "../fault/clients.js";
import { seededRandom } from "../fault/prng.js";
import { type BenchUser, createGroup, registerUsers } from "../lib/accounts.js";
import { prepareServer, startChatServer } from "../lib/chat-server.js";
import type { ChildService } from "../lib/children.js";
import { REGISTER_CONCURRENCY_FLAG } from "../lib/common-flags.js";
import { freePort } from "../lib/free-port.js";
import { mapBounded, sleep, waitForQuiet, waitUntil } from "../lib/pool.js";
import { generatorCpu, LatencyRecorder, round } from "../lib/stats.js";
import { storedMessages } from "../lib/stored-messages.js";
import {
  BenchError,
  flag,
  printTable,
  progress,
  requireOpenFiles,
  type Workload,
} from "../lib/workload.js";

/**
 * The SDK's defaults (packages/sdk backoff.ts and socket.ts), as an app runs them. A
 * browser's WebSocket has no handshake timeout of its own: 30 s stands for the TCP
 * connect timeout, and outlasts the 10 s a handshake may wait in the server's line.
 */
const APP_TIMING: ClientTiming = {
  backoff: undefined,
  pingIntervalMs: 25_000,
  pongTimeoutMs: 10_000,
  handshakeTimeoutMs: 30_000,
};

interface Groups {
  ids: string[];
  /** The group of each user, by user index. */
  groupOf: string[];
  members: Map<string, string[]>;
}

async function makeGroups(url: string, users: BenchUser[], size: number): Promise<Groups> {
  const chunks: BenchUser[][] = [];
  for (let i = 0; i < users.length; i += size) chunks.push(users.slice(i, i + size));
  const ids = await mapBounded(chunks.length, 8, (i) => createGroup(url, chunks[i] ?? []));
  const members = new Map(ids.map((id, i) => [id, (chunks[i] ?? []).map((u) => u.id)]));
  return { ids, groupOf: users.map((_, i) => ids[Math.floor(i / size)] ?? ""), members };
}

/**
 * When a new process first listens on `port`: a TCP connect succeeds as soon as the
 * kernel holds the listening socket, however busy the process is (its /health answer
 * queues behind the storm's handshakes). `then` runs at that moment.
 */
async function firstListen(port: number, deadline: number, then: () => void): Promise<number> {
  while (performance.now() < deadline) {
    const up = await new Promise<boolean>((resolve) => {
      const socket = connect({ port, host: "127.0.0.1" });
      socket.once("connect", () => {
        socket.destroy();
        resolve(true);
      });
      socket.once("error", () => resolve(false));
    });
    if (up) {
      then();
      return performance.now();
    }
    await sleep(10);
  }
  throw new BenchError(`nothing listened on port ${port} before the time limit`);
}

/** Resolves once the client's socket is open (its `ready` frame has arrived). */
function opened(client: FaultClient): Promise<void> {
  if (client.socket.state === "open") return Promise.resolve();
  return new Promise((resolve) => {
    const off = client.socket.on("state", ({ state }) => {
      if (state !== "open") return;
      off();
      resolve();
    });
  });
}

export const storm: Workload = {
  name: "storm",
  summary: "S sockets resume at once after a clean restart: time to resume all, refusals, loss",
  defaultTimeoutS: 900,
  flags: {
    sockets: { default: 2000, min: 1, max: 1_000_000, help: "sockets that resume at once" },
    users: { default: 200, min: 2, max: 100_000, help: "users the sockets are spread over" },
    "group-size": { default: 10, min: 2, max: 1000, help: "members per group" },
    senders: { default: 10, min: 1, max: 1000, help: "users sending throughout" },
    rate: {
      default: 20,
      min: 1,
      max: 100_000,
      fractional: true,
      help: "msgs/s offered, all senders together",
    },
    before: { default: 5, min: 1, max: 600, help: "seconds of sending before the stop" },
    down: { default: 2, min: 0, max: 600, help: "seconds the server stays stopped" },
    after: { default: 10, min: 1, max: 600, help: "seconds of sending after the restart" },
    "resume-timeout": {
      default: 120,
      min: 1,
      max: 3600,
      help: "seconds allowed for every socket to resume",
    },
    "connect-concurrency": { default: 500, min: 1, max: 100_000, help: "first handshakes at once" },
    seed: { default: 1, min: 0, max: 2 ** 31, help: "seed of the senders' pauses" },
    "register-concurrency": REGISTER_CONCURRENCY_FLAG,
  },
  async run(ctx) {
    const count = flag(ctx, "sockets");
    const senderCount = Math.min(flag(ctx, "senders"), flag(ctx, "users"));
    requireOpenFiles(count + senderCount);
    if (ctx.server.nodes > 1) throw new BenchError("storm restarts one node: leave out --nodes");
    const random = seededRandom(flag(ctx, "seed"));
    const port = await freePort();
    const setup = await prepareServer(ctx.server, port);
    let server: ChildService = await startChatServer(setup);
    const userCount = Math.min(flag(ctx, "users"), count);
    progress(`chat-server pid ${server.pid}; registering ${userCount} users...`);
    const { users, seconds } = await registerUsers(
      server.url,
      userCount,
      flag(ctx, "register-concurrency"),
    );
    const groups = await makeGroups(server.url, users, flag(ctx, "group-size"));

    progress(`opening ${count} sockets...`);
    const clients = Array.from({ length: count }, (_, i) => {
      const user = users[i % users.length] as BenchUser;
      return createClient(user.id, user.token, [server.url], 0, random, APP_TIMING);
    });
    // Any `synced` after the stop counts, timed from the moment the new process listens.
    let stoppedAt = Number.POSITIVE_INFINITY;
    let upAt = Number.POSITIVE_INFINITY;
    const resumedAt: (number | undefined)[] = Array.from({ length: count }, () => undefined);
    clients.forEach((client, i) => {
      client.socket.on("synced", () => {
        if (resumedAt[i] === undefined && performance.now() >= stoppedAt)
          resumedAt[i] = performance.now();
      });
    });
    await mapBounded(count, flag(ctx, "connect-concurrency"), async (i) => {
      const client = clients[i] as FaultClient;
      client.socket.connect();
      await opened(client);
    });

    // Senders on sockets of their own, so the measured sockets only receive.
    const senders = users.slice(0, senderCount).map((user, i) => ({
      client: createClient(user.id, user.token, [server.url], 0, random),
      group: groups.groupOf[i] ?? "",
    }));
    for (const s of senders) s.client.socket.connect();
    await Promise.all(senders.map((s) => opened(s.client)));
    let sending = true;
    const meanGapMs = (senderCount * 1000) / flag(ctx, "rate");
    const sends = Promise.all(
      senders.map((s, i) =>
        sendAll(
          s.client,
          { direct: [], group: [s.group], count: 1e9, meanGapMs, inFlight: 4, prefix: `s${i}` },
          random,
          () => !sending,
        ),
      ),
    );

    await sleep(flag(ctx, "before") * 1000);
    const rssBeforeMb = round(server.sample().rssKb / 1024, 1);
    progress(`stopping the server with ${count} sockets open...`);
    let mark = performance.now();
    stoppedAt = mark;
    await server.stop();
    const stopS = (performance.now() - mark) / 1000;
    await sleep(flag(ctx, "down") * 1000);
    mark = performance.now();
    let failedBeforeUp = 0;
    let generator = generatorCpu();
    const listening = firstListen(port, ctx.deadline, () => {
      failedBeforeUp = clients.reduce((n, c) => n + c.failedAttempts, 0);
      generator = generatorCpu();
    });
    server = await startChatServer(setup);
    upAt = await listening;
    const startS = (upAt - mark) / 1000;
    progress(`listening again after ${round(startS)} s; waiting for every socket to resume...`);
    const all = await waitUntil(
      () => resumedAt.every((at) => at !== undefined),
      flag(ctx, "resume-timeout") * 1000,
      50,
    );
    const generatorS = generator();
    const failedAfterUp = clients.reduce((n, c) => n + c.failedAttempts, 0) - failedBeforeUp;
    const resumed = resumedAt
      .filter((at): at is number => at !== undefined)
      .map((at) => Math.max(0, at - upAt));
    const peakRssMb = round(server.sample().peakRssKb / 1024, 1);
    const remaining = flag(ctx, "after") * 1000 - (performance.now() - upAt);
    if (remaining > 0) await sleep(remaining);
    sending = false;
    await sends;
    const everyone = [...clients, ...senders.map((s) => s.client)];
    const lastActivity = () => everyone.reduce((last, c) => Math.max(last, c.lastActivity), 0);
    await waitForQuiet(lastActivity, 2000, 60_000);
    for (const client of everyone) client.socket.close();
    await server.stop();
    const verdict = check(everyone, groups.members, await storedMessages(setup));

    const times = new LatencyRecorder();
    for (const ms of resumed) times.recordMs(ms);
    const toldToWait = everyone.reduce((n, c) => n + c.toldToWait, 0);
    const resumeMs = times.summary();
    const result = {
      sockets: count,
      resumed: resumed.length,
      resume_all_s: all ? round(Math.max(...resumed) / 1000) : null,
      resume_ms: resumeMs,
      told_to_wait: toldToWait,
      failed_attempts_while_down: failedBeforeUp,
      failed_attempts_after_start: failedAfterUp,
      generator_cpu_s: generatorS,
      stop_s: round(stopS),
      listen_s: round(startS),
      rss_before_restart_mb: rssBeforeMb,
      peak_rss_after_restart_mb: peakRssMb,
      verdict: { ...verdict, problems: verdict.problems.slice(0, 10) },
    };
    const table = [
      ["measure", "value"],
      ["sockets resumed", `${resumed.length} of ${count}`],
      [
        "every socket resumed, s after listening",
        String(result.resume_all_s ?? "not within the limit"),
      ],
      ["resume p50 / p99 ms", `${resumeMs.p50} / ${resumeMs.p99}`],
      ["told to come back later", String(toldToWait)],
      ["failed attempts while down / after start", `${failedBeforeUp} / ${failedAfterUp}`],
      ["generator CPU s until all resumed", String(generatorS)],
      ["clean stop s / listening again after s", `${result.stop_s} / ${result.listen_s}`],
      ["RSS before restart / peak after MiB", `${rssBeforeMb} / ${peakRssMb}`],
      ["acked / stored", `${verdict.acked} / ${verdict.stored}`],
      [
        "lost / doubled / out of order",
        `${verdict.lost} / ${verdict.duplicated} / ${verdict.order_violations}`,
      ],
      ["deliveries checked", `${verdict.delivered} of ${verdict.expected_deliveries}`],
      ["setup", `${userCount} users in ${round(seconds)} s`],
    ];
    printTable(`storm: ${count} sockets over ${userCount} users (${ctx.server.database})`, table);
    const problems: string[] = [];
    if (!all) problems.push(`only ${resumed.length} of ${count} sockets resumed`);
    if (violated(verdict)) problems.push(...verdict.problems.slice(0, 10));
    return {
      record: {
        params: {
          sockets: count,
          users: userCount,
          group_size: flag(ctx, "group-size"),
          senders: senderCount,
          rate: flag(ctx, "rate"),
          database: ctx.server.database,
          redis: ctx.server.redis,
        },
        setup: { register_s: round(seconds) },
        ours: result,
      },
      table,
      problems,
    };
  },
};
