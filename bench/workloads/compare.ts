/**
 * Runs one message workload twice in the same harness run: against a fresh chat-server
 * (real accounts, conversations and tokens set up over REST first), then against the raw
 * relay with the same users, conversations and traffic. Returns both results and the
 * setup timings, and renders the shared part of the human table.
 */
import { type BenchUser, chatSocketUrl, registerUsers, relaySocketUrl } from "../lib/accounts.js";
import { prepareServer, startChatServer } from "../lib/chat-server.js";
import type { ChildService } from "../lib/children.js";
import {
  type MessagingPlan,
  type MessagingResult,
  messagingProblems,
  runMessaging,
  type Sender,
} from "../lib/messaging.js";
import type { ProcSample } from "../lib/proc.js";
import { startRelay } from "../lib/relay-service.js";
import { round } from "../lib/stats.js";
import { type StorageFootprint, storageFootprint } from "../lib/storage-footprint.js";
import { flag, progress, ratio, type WorkloadContext } from "../lib/workload.js";

export interface Topology {
  /** The conversations each user belongs to (the relay learns them from the URL). */
  roomsOf(user: number): string[];
  senders: Sender[];
  recipientsPerMessage: number;
}

export type TrafficPlan = Omit<
  MessagingPlan,
  "urls" | "senders" | "recipientsPerMessage" | "deadline"
>;

export interface Comparison {
  setup: {
    users: number;
    register_s: number;
    registrations_per_s: number;
    conversations_s: number;
  };
  ours: MessagingResult;
  relay?: MessagingResult;
  /** What the database holds once the server stopped (the relay stores nothing). */
  storage: StorageFootprint;
}

/** The record's params every message workload shares: traffic shape and server setup. */
export function messagingParams(ctx: WorkloadContext) {
  return {
    body: ctx.flags.body,
    warmup: ctx.flags.warmup,
    database: ctx.server.database,
    redis: ctx.server.redis,
    nodes: ctx.server.nodes,
  };
}

export async function compareMessaging(
  ctx: WorkloadContext,
  userCount: number,
  createTopology: (baseUrl: string, users: BenchUser[]) => Promise<Topology>,
  traffic: TrafficPlan,
): Promise<Comparison> {
  const setup = await prepareServer(ctx.server);
  const nodes: ChildService[] = [];
  for (let i = 0; i < ctx.server.nodes; i++) nodes.push(await startChatServer(setup));
  const server = nodes.length === 1 ? (nodes[0] as ChildService) : combined(nodes);
  for (const node of nodes) {
    progress(`chat-server pid ${node.pid} at ${node.url} (${ctx.server.database})`);
  }
  progress(`registering ${userCount} users over REST...`);
  const registered = await registerUsers(server.url, userCount, flag(ctx, "register-concurrency"));
  const users = registered.users;
  const topologyStart = performance.now();
  const topology = await createTopology(server.url, users);
  const conversationsSeconds = (performance.now() - topologyStart) / 1000;
  progress(
    `setup done: ${round(registered.seconds)} s registering, ${round(conversationsSeconds)} s conversations`,
  );

  // Leave a quarter of the remaining time for the relay's turn.
  const remaining = ctx.deadline - performance.now();
  const oursDeadline = ctx.relay ? performance.now() + remaining * 0.7 : ctx.deadline;
  const plan = {
    ...traffic,
    senders: topology.senders,
    recipientsPerMessage: topology.recipientsPerMessage,
  };
  progress("measuring chat-server...");
  const ours = await runMessaging(
    {
      ...plan,
      // With several nodes, partners (and group members) spread over all of them.
      urls: users.map((u, i) => chatSocketUrl((nodes[i % nodes.length] ?? server).wsUrl, u)),
      deadline: oursDeadline,
    },
    server,
  );
  await Promise.all(nodes.map((node) => node.stop()));
  const storage = await storageFootprint(setup);

  const comparison: Comparison = {
    setup: {
      users: userCount,
      register_s: round(registered.seconds),
      registrations_per_s: round(userCount / registered.seconds, 1),
      conversations_s: round(conversationsSeconds),
    },
    ours,
    storage,
  };
  if (ctx.relay) {
    const relay = await startRelay();
    progress(`measuring the raw relay (pid ${relay.pid})...`);
    comparison.relay = await runMessaging(
      {
        ...plan,
        urls: users.map((u, i) => relaySocketUrl(relay.wsUrl, u, topology.roomsOf(i))),
        deadline: ctx.deadline,
      },
      relay,
    );
    await relay.stop();
  }
  return comparison;
}

/** Several nodes measured as one: CPU and memory summed over their processes. */
function combined(nodes: ChildService[]): ChildService {
  const first = nodes[0] as ChildService;
  return {
    ...first,
    name: `${nodes.length} chat-server nodes`,
    sample: () => {
      const samples = nodes.map((node) => node.sample());
      const sum = (pick: (s: ProcSample) => number) => samples.reduce((t, s) => t + pick(s), 0);
      return {
        cpuSeconds: sum((s) => s.cpuSeconds),
        rssKb: sum((s) => s.rssKb),
        peakRssKb: sum((s) => s.peakRssKb),
        writeBytes: sum((s) => s.writeBytes),
      };
    },
    stop: async () => {
      await Promise.all(nodes.map((node) => node.stop()));
    },
  };
}

const ms = (value: number) => `${value.toFixed(2)} ms`;

/** The human table of a message workload: throughput, latency, correctness, cost. */
export function messagingTable(
  c: Comparison,
  rateLabel: string,
  rate: (r: MessagingResult) => number,
) {
  const { ours, relay } = c;
  const lat = (r?: MessagingResult) =>
    r ? `${ms(r.latency_ms.p50)} / ${ms(r.latency_ms.p95)} / ${ms(r.latency_ms.p99)}` : "-";
  const faults = (r?: MessagingResult) =>
    r ? `${r.lost} / ${r.duplicated} / ${r.echoed} / ${r.unanswered}` : "-";
  return [
    ["measure", "ours", "relay", "ours/relay"],
    [
      rateLabel,
      String(rate(ours)),
      relay ? String(rate(relay)) : "-",
      ratio(rate(ours), relay && rate(relay)),
    ],
    ["latency p50/p95/p99", lat(ours), lat(relay), ""],
    [
      "ack p50/p99",
      `${ms(ours.ack_latency_ms.p50)} / ${ms(ours.ack_latency_ms.p99)}`,
      relay ? `${ms(relay.ack_latency_ms.p50)} / ${ms(relay.ack_latency_ms.p99)}` : "-",
      "",
    ],
    ["lost/dup/echo/unanswered", faults(ours), faults(relay), ours.timed_out ? "TIMED OUT" : ""],
    [
      "server CPU s",
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
    [
      "disk bytes written / message",
      String(ours.disk_bytes_per_message),
      relay ? String(relay.disk_bytes_per_message) : "-",
      "",
    ],
    [
      "generator CPU s",
      String(ours.generator_cpu_s),
      relay ? String(relay.generator_cpu_s) : "-",
      "",
    ],
    [
      "database bytes / message",
      `${c.storage.bytes_per_message} (${c.storage.messages} messages)`,
      "",
      "",
    ],
    [
      "setup",
      `${c.setup.users} users in ${c.setup.register_s} s (${c.setup.registrations_per_s}/s)`,
      "",
      "",
    ],
  ];
}

export function comparisonProblems(c: Comparison): string[] {
  return [
    ...messagingProblems("ours", c.ours),
    ...(c.relay ? messagingProblems("relay", c.relay) : []),
  ];
}
