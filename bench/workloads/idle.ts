/**
 * `idle`: C authenticated sockets that do nothing. Measures the time to connect them all
 * and what each costs the server in resident memory: VmRSS after they are all open and
 * settled, minus VmRSS before, divided by C. The sockets are spread over a pool of users
 * (registering thousands of users would take minutes of argon2id), several per user.
 */
import { chatSocketUrl, registerUsers, relaySocketUrl } from "../lib/accounts.js";
import { BenchSocket, closeSockets, type FrameSink, openSockets } from "../lib/bench-socket.js";
import { prepareServer, startChatServer } from "../lib/chat-server.js";
import type { ChildService } from "../lib/children.js";
import { REGISTER_CONCURRENCY_FLAG } from "../lib/common-flags.js";
import { sleep, waitForQuiet } from "../lib/pool.js";
import { startRelay } from "../lib/relay-service.js";
import { perSecond, round, usageOver } from "../lib/stats.js";
import {
  flag,
  printTable,
  progress,
  ratio,
  requireOpenFiles,
  type Workload,
  type WorkloadContext,
} from "../lib/workload.js";

interface IdleResult {
  sockets: number;
  connect_s: number;
  connects_per_s: number;
  rss_before_mb: number;
  rss_after_mb: number;
  kb_per_socket: number;
  still_open: number;
  /** Handshakes the server closed with 1013 (busy setting up others), each tried again. */
  told_to_wait: number;
  cpu_s: number;
  peak_rss_mb: number;
}

function countingSink(): FrameSink & { lastFrameAt: number; frames: number } {
  const sink = {
    lastFrameAt: performance.now(),
    frames: 0,
    delivery: () => {},
    ack: () => {},
    other: () => {
      sink.frames += 1;
      sink.lastFrameAt = performance.now();
    },
  };
  return sink;
}

async function holdIdle(
  ctx: WorkloadContext,
  service: ChildService,
  urls: string[],
): Promise<IdleResult> {
  await sleep(1000);
  const before = service.sample();
  const usage = usageOver(service);
  const sink = countingSink();
  const waitsBefore = BenchSocket.toldToWait;
  const start = performance.now();
  const sockets: BenchSocket[] = await openSockets(urls, sink, flag(ctx, "connect-concurrency"));
  const connectMs = performance.now() - start;
  // Presence frames follow the first socket of each user; then let the heap settle.
  await waitForQuiet(() => sink.lastFrameAt, 500, 10_000);
  await sleep(flag(ctx, "settle") * 1000);
  const after = service.sample();
  const used = usage();
  const stillOpen = sockets.filter((s) => s.open).length;
  await closeSockets(sockets);
  return {
    sockets: urls.length,
    connect_s: round(connectMs / 1000),
    connects_per_s: perSecond(urls.length, connectMs),
    rss_before_mb: round(before.rssKb / 1024, 1),
    rss_after_mb: round(after.rssKb / 1024, 1),
    kb_per_socket: round((after.rssKb - before.rssKb) / urls.length, 2),
    still_open: stillOpen,
    told_to_wait: BenchSocket.toldToWait - waitsBefore,
    cpu_s: used.cpuSeconds,
    peak_rss_mb: used.peakRssMb,
  };
}

export const idle: Workload = {
  name: "idle",
  summary: "C idle authenticated sockets: server RSS per socket, time to connect them all",
  flags: {
    sockets: {
      default: 5000,
      min: 1,
      max: 1_000_000,
      help: "idle sockets to hold (needs ulimit -n above it)",
    },
    users: { default: 100, min: 1, max: 100_000, help: "users the sockets are spread over" },
    "connect-concurrency": {
      default: 200,
      min: 1,
      max: 100_000,
      help: "handshakes in progress at once",
    },
    settle: {
      default: 2,
      min: 0,
      max: 60,
      help: "seconds to wait after connecting, before reading RSS",
    },
    "register-concurrency": REGISTER_CONCURRENCY_FLAG,
  },
  async run(ctx) {
    const count = flag(ctx, "sockets");
    requireOpenFiles(count);
    const setup = await prepareServer(ctx.server);
    const server = await startChatServer(setup);
    const userCount = Math.min(flag(ctx, "users"), count);
    progress(`chat-server pid ${server.pid}; registering ${userCount} users...`);
    const { users, seconds } = await registerUsers(
      server.url,
      userCount,
      flag(ctx, "register-concurrency"),
    );
    const userOf = (i: number) => users[i % users.length] ?? users[0]!;
    progress(`opening ${count} sockets to the chat-server...`);
    const ours = await holdIdle(
      ctx,
      server,
      Array.from({ length: count }, (_, i) => chatSocketUrl(server.wsUrl, userOf(i))),
    );
    await server.stop();
    let relay: IdleResult | undefined;
    if (ctx.relay) {
      const service = await startRelay();
      progress(`opening ${count} sockets to the raw relay...`);
      relay = await holdIdle(
        ctx,
        service,
        Array.from({ length: count }, (_, i) => relaySocketUrl(service.wsUrl, userOf(i), [])),
      );
      await service.stop();
    }
    const row = (label: string, pick: (r: IdleResult) => number, compare = false) => [
      label,
      String(pick(ours)),
      relay ? String(pick(relay)) : "-",
      compare ? ratio(pick(ours), relay && pick(relay)) : "",
    ];
    const table = [
      ["measure", "ours", "relay", "ours/relay"],
      row("RSS per idle socket KiB", (r) => r.kb_per_socket, true),
      [
        "RSS before/after MiB",
        `${ours.rss_before_mb} / ${ours.rss_after_mb}`,
        relay ? `${relay.rss_before_mb} / ${relay.rss_after_mb}` : "-",
        "",
      ],
      row("connect all s", (r) => r.connect_s),
      row("connects/s", (r) => r.connects_per_s, true),
      row("still open", (r) => r.still_open),
      row("told to come back later", (r) => r.told_to_wait),
      row("server CPU s", (r) => r.cpu_s),
      row("server peak RSS MiB", (r) => r.peak_rss_mb),
      ["setup", `${userCount} users in ${round(seconds)} s`, "", ""],
    ];
    printTable(`idle: ${count} sockets over ${userCount} users (${ctx.server.database})`, table);
    const problems: string[] = [];
    if (ours.still_open < count)
      problems.push(`ours: only ${ours.still_open} of ${count} sockets stayed open`);
    if (relay && relay.still_open < count)
      problems.push(`relay: only ${relay.still_open} of ${count} sockets stayed open`);
    return {
      record: {
        params: {
          sockets: count,
          users: userCount,
          database: ctx.server.database,
          redis: ctx.server.redis,
        },
        setup: { register_s: round(seconds) },
        ours,
        relay: relay ?? null,
        ratio: relay
          ? { kb_per_socket: Number((ours.kb_per_socket / relay.kb_per_socket).toFixed(3)) }
          : null,
      },
      table,
      problems,
    };
  },
};
