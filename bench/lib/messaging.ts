/**
 * The message workloads' engine, shared by `direct` and `group` and run the same way
 * against the chat-server and the relay: open one socket per participant, let the
 * handshake chatter (presence) settle, then send `message.send` frames either closed-loop
 * (each sender keeps at most K unanswered) or open-loop at a fixed total rate, and wait
 * until every acknowledged message has reached every other member.
 */
import { type BenchSocket, closeSockets, openSockets } from "./bench-socket.js";
import type { ChildService } from "./children.js";
import { DeliveryTracker } from "./deliveries.js";
import { runOpenLoop, type Sender, startClosedLoop } from "./drivers.js";
import { waitForQuiet, waitUntil } from "./pool.js";
import {
  generatorCpu,
  type LatencySummary,
  type ProcessUsage,
  perSecond,
  round,
  usageOver,
} from "./stats.js";

export type { Sender };

export interface MessagingPlan {
  /** One socket URL per participant. */
  urls: string[];
  senders: Sender[];
  /** How many sockets each message should reach (the conversation's other members). */
  recipientsPerMessage: number;
  /** Closed loop: messages per sender. */
  messagesPerSender: number;
  /** Closed loop: unanswered sends per sender; open loop: the cap before a sender stalls. */
  inFlight: number;
  /** Open loop: total messages per second offered, over `durationSec`. */
  rate?: number | undefined;
  durationSec: number;
  bodyBytes: number;
  /** Closed-loop messages per sender sent and discarded before measuring. */
  warmupPerSender: number;
  connectConcurrency: number;
  /**
   * Starts this run's client_ids, so that several runs on one server do not repeat them
   * (the server answers a repeated client_id with the stored message, not a new one).
   */
  runTag?: string;
  /** Frames every socket sends once it is ready (a `focus` frame, say). */
  initialFrames?: string[];
  /** When the whole phase must be over (performance.now() time). */
  deadline: number;
}

export interface MessagingResult {
  sockets: number;
  connect_s: number;
  sent: number;
  acked: number;
  failed: number;
  /** Sends answered by neither an ack nor an error. */
  unanswered: number;
  delivered: number;
  expected: number;
  lost: number;
  duplicated: number;
  echoed: number;
  sockets_closed: number;
  errors: Record<string, number>;
  /** From the first send to the last delivery. */
  seconds: number;
  msgs_per_s: number;
  deliveries_per_s: number;
  latency_ms: LatencySummary;
  /** The worst latency among the messages sent in each second, for spotting stalls. */
  worst_ms_by_second: number[];
  ack_latency_ms: LatencySummary;
  /** Open loop only: how often the generator could not send on time. */
  stalled_ticks?: number;
  achieved_rate?: number;
  server: ProcessUsage;
  /** Bytes written towards the disk per acknowledged message (server.diskWrittenKb). */
  disk_bytes_per_message: number;
  generator_cpu_s: number;
  timed_out: boolean;
}

/** Sends a few closed-loop messages per sender first, so JIT warm-up is not measured. */
async function warmUp(plan: MessagingPlan, sockets: BenchSocket[]): Promise<void> {
  if (plan.warmupPerSender <= 0) return;
  const tracker = new DeliveryTracker(
    plan.senders.length * plan.warmupPerSender,
    sockets.length,
    `w${plan.runTag ?? ""}`,
  );
  for (const socket of sockets) socket.sink = tracker;
  const deadline = Math.min(plan.deadline, performance.now() + 30_000);
  const traffic = { tracker, sockets, senders: plan.senders, bodyBytes: plan.bodyBytes, deadline };
  startClosedLoop(traffic, plan.warmupPerSender, Math.min(plan.inFlight, 10));
  await waitUntil(
    () =>
      tracker.acked + tracker.failed === tracker.capacity &&
      tracker.delivered >= tracker.acked * plan.recipientsPerMessage,
    Math.max(0, deadline - performance.now()),
    5,
  );
  await waitForQuiet(() => tracker.lastFrameAt, 200, 2000);
}

/** Runs one plan against one service; the sockets are closed before it returns. */
export async function runMessaging(
  plan: MessagingPlan,
  service: ChildService,
): Promise<MessagingResult> {
  const total =
    plan.rate !== undefined
      ? Math.round(plan.rate * plan.durationSec)
      : plan.senders.length * plan.messagesPerSender;
  const tracker = new DeliveryTracker(total, plan.urls.length, `b${plan.runTag ?? ""}`);
  const connectStart = performance.now();
  const sockets = await openSockets(plan.urls, tracker, plan.connectConcurrency);
  const connectMs = performance.now() - connectStart;
  for (const socket of sockets) for (const frame of plan.initialFrames ?? []) socket.send(frame);
  // Presence frames follow each connect; start once the sockets have been quiet a while.
  await waitForQuiet(() => tracker.lastFrameAt, 300, 30_000);
  await warmUp(plan, sockets);
  for (const socket of sockets) socket.sink = tracker;

  const traffic = {
    tracker,
    sockets,
    senders: plan.senders,
    bodyBytes: plan.bodyBytes,
    deadline: plan.deadline,
  };
  const endUsage = usageOver(service);
  const endCpu = generatorCpu();
  let stalledTicks = 0;
  if (plan.rate !== undefined) {
    stalledTicks = await runOpenLoop(traffic, plan.rate, total, plan.inFlight);
  } else {
    startClosedLoop(traffic, plan.messagesPerSender, plan.inFlight);
  }
  const finished = await waitUntil(
    () =>
      tracker.sent === total &&
      tracker.acked + tracker.failed === total &&
      tracker.delivered >= tracker.acked * plan.recipientsPerMessage,
    Math.max(0, plan.deadline - performance.now()),
    5,
  );
  // Stragglers (duplicates, late deliveries) would show within a short grace period.
  await waitForQuiet(() => tracker.lastFrameAt, 200, 2000);
  const server = endUsage();
  const generatorCpuSeconds = endCpu();
  await closeSockets(sockets);

  const end = Math.max(tracker.lastDeliveryAt, tracker.lastAckAt);
  const ms = end - tracker.firstSendAt;
  const expected = tracker.acked * plan.recipientsPerMessage;
  const result: MessagingResult = {
    sockets: sockets.length,
    connect_s: round(connectMs / 1000),
    sent: tracker.sent,
    acked: tracker.acked,
    failed: tracker.failed,
    delivered: tracker.delivered,
    expected,
    unanswered: tracker.sent - tracker.acked - tracker.failed,
    lost: Math.max(0, expected - tracker.delivered),
    duplicated: tracker.duplicates,
    echoed: tracker.echoes,
    sockets_closed: tracker.closedSockets,
    errors: tracker.errors,
    seconds: round(ms / 1000, 3),
    msgs_per_s: perSecond(tracker.acked, ms),
    deliveries_per_s: perSecond(tracker.delivered, ms),
    latency_ms: tracker.latency.summary(),
    worst_ms_by_second: tracker.worstBySecond,
    ack_latency_ms: tracker.ackLatency.summary(),
    server,
    disk_bytes_per_message:
      tracker.acked > 0 ? Math.round((server.diskWrittenKb * 1024) / tracker.acked) : 0,
    generator_cpu_s: generatorCpuSeconds,
    timed_out: !finished,
  };
  if (plan.rate !== undefined) {
    result.stalled_ticks = stalledTicks;
    result.achieved_rate = perSecond(tracker.sent - 1, tracker.lastSendAt - tracker.firstSendAt);
  }
  return result;
}

/** What went wrong in a message run, for the exit status: none is the only good answer. */
export function messagingProblems(side: string, r: MessagingResult): string[] {
  const problems: string[] = [];
  if (r.timed_out) problems.push(`${side}: did not finish before the deadline`);
  if (r.lost > 0) problems.push(`${side}: ${r.lost} deliveries lost`);
  if (r.duplicated > 0) problems.push(`${side}: ${r.duplicated} deliveries duplicated`);
  if (r.echoed > 0) problems.push(`${side}: ${r.echoed} message.new frames echoed to their sender`);
  if (r.unanswered > 0) problems.push(`${side}: ${r.unanswered} sends never answered`);
  if (r.failed > 0)
    problems.push(`${side}: ${r.failed} sends refused (${JSON.stringify(r.errors)})`);
  if (r.sockets_closed > 0)
    problems.push(`${side}: ${r.sockets_closed} sockets closed during the run`);
  return problems;
}
