/**
 * `direct`: users in pairs, each sending to its partner over a direct conversation.
 * Closed loop by default (M messages per user, at most K unacknowledged); with --rate a
 * fixed total offered load for --duration seconds, for latency at that rate.
 */
import { createPairs } from "../lib/accounts.js";
import { REGISTER_CONCURRENCY_FLAG, WARMUP_FLAG } from "../lib/common-flags.js";
import { printTable, type Workload } from "../lib/workload.js";
import {
  compareMessaging,
  comparisonProblems,
  messagingParams,
  messagingTable,
} from "./compare.js";

// Open loop: a sender with this many unanswered sends stalls (the server refuses a
// socket with more than 256 frames waiting).
const OPEN_LOOP_CAP = 200;

export const direct: Workload = {
  name: "direct",
  summary: "pairs of users messaging each other: delivered msgs/s, send -> partner latency",
  flags: {
    users: {
      default: 200,
      min: 2,
      max: 10_000,
      help: "users, in pairs (an odd one out is dropped)",
    },
    messages: {
      default: 200,
      min: 1,
      max: 1_000_000,
      help: "messages each user sends (closed loop)",
    },
    "in-flight": {
      default: 10,
      min: 1,
      max: 200,
      help: "unacknowledged sends per user (closed loop)",
    },
    rate: {
      default: 0,
      optional: true,
      fractional: true,
      min: 1,
      max: 1_000_000,
      help: "total messages per second offered (open loop), instead of --messages",
    },
    duration: { default: 10, min: 1, max: 600, help: "seconds of offered load with --rate" },
    body: { default: 100, min: 1, max: 4000, help: "message body length in characters" },
    warmup: WARMUP_FLAG,
    "register-concurrency": REGISTER_CONCURRENCY_FLAG,
  },
  async run(ctx) {
    const users = Math.floor((ctx.flags.users ?? 2) / 2) * 2;
    const rate = ctx.flags.rate;
    const params = {
      users,
      pairs: users / 2,
      ...(rate === undefined
        ? { messages: ctx.flags.messages, in_flight: ctx.flags["in-flight"] }
        : { rate, duration_s: ctx.flags.duration }),
      ...messagingParams(ctx),
    };
    const comparison = await compareMessaging(
      ctx,
      users,
      async (baseUrl, list) => {
        const pairs = await createPairs(baseUrl, list, 16);
        return {
          roomsOf: (user) => [pairs[Math.floor(user / 2)] ?? ""],
          senders: list.map((_, user) => ({
            socket: user,
            conversationId: pairs[Math.floor(user / 2)] ?? "",
          })),
          recipientsPerMessage: 1,
        };
      },
      {
        messagesPerSender: ctx.flags.messages ?? 1,
        inFlight: rate === undefined ? (ctx.flags["in-flight"] ?? 1) : OPEN_LOOP_CAP,
        rate,
        durationSec: ctx.flags.duration ?? 10,
        bodyBytes: ctx.flags.body ?? 100,
        warmupPerSender: ctx.flags.warmup ?? 0,
        connectConcurrency: 100,
      },
    );
    const title =
      rate === undefined
        ? `direct: ${users} users, ${ctx.flags.messages} msgs each, ${ctx.flags["in-flight"]} in flight (${ctx.server.database})`
        : `direct: ${users} users, ${rate} msgs/s offered for ${ctx.flags.duration} s (${ctx.server.database})`;
    const table = messagingTable(comparison, "delivered msgs/s", (r) => r.deliveries_per_s);
    if (rate !== undefined) {
      table.splice(2, 0, [
        "achieved rate (stalls)",
        `${comparison.ours.achieved_rate} (${comparison.ours.stalled_ticks})`,
        comparison.relay
          ? `${comparison.relay.achieved_rate} (${comparison.relay.stalled_ticks})`
          : "-",
        "",
      ]);
    }
    printTable(title, table);
    const relay = comparison.relay;
    return {
      record: {
        params,
        ...comparison,
        ratio: relay
          ? {
              msgs_per_s: Number(
                (comparison.ours.deliveries_per_s / relay.deliveries_per_s).toFixed(3),
              ),
            }
          : null,
      },
      table,
      problems: comparisonProblems(comparison),
    };
  },
};
