/**
 * `group`: one group conversation of R members in which S of them send; every message
 * fans out to the R - 1 other members. Measures deliveries per second and latency.
 */
import { createGroup } from "../lib/accounts.js";
import { REGISTER_CONCURRENCY_FLAG, WARMUP_FLAG } from "../lib/common-flags.js";
import { printTable, type Workload } from "../lib/workload.js";
import {
  compareMessaging,
  comparisonProblems,
  messagingParams,
  messagingTable,
} from "./compare.js";

export const group: Workload = {
  name: "group",
  summary: "one group of R members, S senders: deliveries/s and latency",
  flags: {
    members: {
      default: 100,
      min: 2,
      max: 10_000,
      help: "members of the group (each holds one socket)",
    },
    senders: { default: 10, min: 1, max: 10_000, help: "members who send" },
    messages: { default: 100, min: 1, max: 1_000_000, help: "messages each sender sends" },
    "in-flight": { default: 5, min: 1, max: 200, help: "unacknowledged sends per sender" },
    body: { default: 100, min: 1, max: 4000, help: "message body length in characters" },
    warmup: WARMUP_FLAG,
    "register-concurrency": REGISTER_CONCURRENCY_FLAG,
  },
  async run(ctx) {
    const members = ctx.flags.members ?? 2;
    const senders = Math.min(ctx.flags.senders ?? 1, members);
    const params = {
      members,
      senders,
      messages: ctx.flags.messages,
      in_flight: ctx.flags["in-flight"],
      ...messagingParams(ctx),
    };
    const comparison = await compareMessaging(
      ctx,
      members,
      async (baseUrl, users) => {
        const conversationId = await createGroup(baseUrl, users);
        return {
          roomsOf: () => [conversationId],
          senders: Array.from({ length: senders }, (_, socket) => ({ socket, conversationId })),
          recipientsPerMessage: members - 1,
        };
      },
      {
        messagesPerSender: ctx.flags.messages ?? 1,
        inFlight: ctx.flags["in-flight"] ?? 1,
        durationSec: 0,
        bodyBytes: ctx.flags.body ?? 100,
        warmupPerSender: ctx.flags.warmup ?? 0,
        connectConcurrency: 100,
      },
    );
    const table = messagingTable(comparison, "deliveries/s", (r) => r.deliveries_per_s);
    table.splice(2, 0, [
      "messages/s",
      String(comparison.ours.msgs_per_s),
      comparison.relay ? String(comparison.relay.msgs_per_s) : "-",
      "",
    ]);
    printTable(
      `group: ${members} members, ${senders} senders x ${params.messages} msgs, ${params.in_flight} in flight (${ctx.server.database})`,
      table,
    );
    const relay = comparison.relay;
    return {
      record: {
        params,
        ...comparison,
        ratio: relay
          ? {
              deliveries_per_s: Number(
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
