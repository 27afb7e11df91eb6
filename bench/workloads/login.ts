/**
 * `login`: how fast people get in. REST sign-ins per second (bound by argon2id password
 * verification, by design) and authenticated socket connects per second (JWT check,
 * session lookup, conversations loaded, `ready` sent), each socket closed again after
 * its `ready`, the relay's plain connects alongside for scale.
 */
import { ApiClient } from "@private-chat/sdk";
import { type BenchUser, chatSocketUrl, registerUsers, relaySocketUrl } from "../lib/accounts.js";
import { BenchSocket, type FrameSink } from "../lib/bench-socket.js";
import { prepareServer, startChatServer } from "../lib/chat-server.js";
import type { ChildService } from "../lib/children.js";
import { REGISTER_CONCURRENCY_FLAG } from "../lib/common-flags.js";
import { mapBounded } from "../lib/pool.js";
import { startRelay } from "../lib/relay-service.js";
import {
  LatencyRecorder,
  type LatencySummary,
  type ProcessUsage,
  perSecond,
  round,
  usageOver,
} from "../lib/stats.js";
import {
  flag,
  printTable,
  progress,
  ratio,
  type Workload,
  type WorkloadContext,
} from "../lib/workload.js";

interface Phase {
  count: number;
  per_s: number;
  latency_ms: LatencySummary;
  server: ProcessUsage;
}

const NO_FRAMES: FrameSink = { delivery: () => {}, ack: () => {}, other: () => {} };

async function timed(
  service: ChildService,
  count: number,
  concurrency: number,
  task: (i: number) => Promise<void>,
): Promise<Phase> {
  const latency = new LatencyRecorder();
  const usage = usageOver(service);
  const start = performance.now();
  await mapBounded(count, concurrency, async (i) => {
    const began = performance.now();
    await task(i);
    latency.recordMs(performance.now() - began);
  });
  const ms = performance.now() - start;
  return { count, per_s: perSecond(count, ms), latency_ms: latency.summary(), server: usage() };
}

/** Opens a socket, waits for `ready`, closes it; `count` times. */
function connects(
  ctx: WorkloadContext,
  service: ChildService,
  url: (i: number) => string,
): Promise<Phase> {
  return timed(service, flag(ctx, "sockets"), flag(ctx, "socket-concurrency"), async (i) => {
    const socket = await BenchSocket.open(i, url(i), NO_FRAMES);
    await socket.close();
  });
}

export const login: Workload = {
  name: "login",
  summary: "REST logins/s (argon2id-bound) and authenticated socket connects/s",
  flags: {
    users: { default: 20, min: 1, max: 10_000, help: "users to sign in as (round robin)" },
    logins: { default: 200, min: 1, max: 1_000_000, help: "REST sign-ins" },
    "login-concurrency": { default: 8, min: 1, max: 1000, help: "sign-ins in flight at once" },
    sockets: {
      default: 2000,
      min: 1,
      max: 1_000_000,
      help: "socket connects (each closed after ready)",
    },
    "socket-concurrency": { default: 50, min: 1, max: 5000, help: "handshakes in flight at once" },
    "register-concurrency": REGISTER_CONCURRENCY_FLAG,
  },
  async run(ctx) {
    const setup = await prepareServer(ctx.server);
    const server = await startChatServer(setup);
    const { users, seconds } = await registerUsers(
      server.url,
      flag(ctx, "users"),
      flag(ctx, "register-concurrency"),
    );
    const userOf = (i: number): BenchUser => users[i % users.length] ?? users[0]!;
    progress(`signing in ${flag(ctx, "logins")} times over REST...`);
    const logins = await timed(
      server,
      flag(ctx, "logins"),
      flag(ctx, "login-concurrency"),
      async (i) => {
        const user = userOf(i);
        await new ApiClient({ baseUrl: server.url }).login(user.username, user.password);
      },
    );
    progress(`connecting ${flag(ctx, "sockets")} sockets...`);
    const ours = await connects(ctx, server, (i) => chatSocketUrl(server.wsUrl, userOf(i)));
    await server.stop();
    let relay: Phase | undefined;
    if (ctx.relay) {
      const service = await startRelay();
      relay = await connects(ctx, service, (i) => relaySocketUrl(service.wsUrl, userOf(i), []));
      await service.stop();
    }
    const lat = (p?: Phase) => (p ? `${p.latency_ms.p50} / ${p.latency_ms.p99} ms` : "-");
    const table = [
      ["measure", "ours", "relay", "ours/relay"],
      ["REST logins/s (argon2id)", String(logins.per_s), "-", ""],
      ["login latency p50/p99", lat(logins), "-", ""],
      ["login server CPU s", String(logins.server.cpuSeconds), "-", ""],
      [
        "socket connects/s",
        String(ours.per_s),
        relay ? String(relay.per_s) : "-",
        ratio(ours.per_s, relay?.per_s),
      ],
      ["connect->ready p50/p99", lat(ours), lat(relay), ""],
      [
        "connect server CPU s",
        String(ours.server.cpuSeconds),
        relay ? String(relay.server.cpuSeconds) : "-",
        "",
      ],
      [
        "server peak RSS MiB",
        String(ours.server.peakRssMb),
        relay ? String(relay.server.peakRssMb) : "-",
        "",
      ],
      ["setup", `${users.length} users in ${round(seconds)} s`, "", ""],
    ];
    printTable(
      `login: ${flag(ctx, "logins")} sign-ins, ${flag(ctx, "sockets")} socket connects (${ctx.server.database})`,
      table,
    );
    return {
      record: {
        params: {
          users: users.length,
          logins: flag(ctx, "logins"),
          login_concurrency: flag(ctx, "login-concurrency"),
          sockets: flag(ctx, "sockets"),
          socket_concurrency: flag(ctx, "socket-concurrency"),
          database: ctx.server.database,
        },
        setup: { register_s: round(seconds) },
        ours: { logins, connects: ours },
        relay: relay ? { connects: relay } : null,
        ratio: relay ? { connects_per_s: Number((ours.per_s / relay.per_s).toFixed(3)) } : null,
      },
      table,
      problems: [],
    };
  },
};
