/**
 * Runs one message workload twice in the same harness run: against a fresh chat-server
 * (real accounts, conversations and tokens set up over REST first), then against the raw
 * relay with the same users, conversations and traffic. Returns both results and the
 * setup timings, and renders the shared part of the human table.
 */
import { type BenchUser, chatSocketUrl, registerUsers, relaySocketUrl } from "../lib/accounts.js";
import { prepareServer, startChatServer } from "../lib/chat-server.js";
import {
  type MessagingPlan,
  type MessagingResult,
  messagingProblems,
  runMessaging,
  type Sender,
} from "../lib/messaging.js";
import { startRelay } from "../lib/relay-service.js";
import { round } from "../lib/stats.js";
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
}

export async function compareMessaging(
  ctx: WorkloadContext,
  userCount: number,
  createTopology: (baseUrl: string, users: BenchUser[]) => Promise<Topology>,
  traffic: TrafficPlan,
): Promise<Comparison> {
  const setup = await prepareServer(ctx.server);
  const server = await startChatServer(setup);
  progress(`chat-server pid ${server.pid} at ${server.url} (${ctx.server.database})`);
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
    { ...plan, urls: users.map((u) => chatSocketUrl(server.wsUrl, u)), deadline: oursDeadline },
    server,
  );
  await server.stop();

  const comparison: Comparison = {
    setup: {
      users: userCount,
      register_s: round(registered.seconds),
      registrations_per_s: round(userCount / registered.seconds, 1),
      conversations_s: round(conversationsSeconds),
    },
    ours,
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
      "generator CPU s",
      String(ours.generator_cpu_s),
      relay ? String(relay.generator_cpu_s) : "-",
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
