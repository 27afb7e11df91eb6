/**
 * `push`: Web Push under load, against a push service stand-in on 127.0.0.1 over HTTPS.
 *
 * 1. Fan-out: `--users` people each subscribe one browser; a group of `--members` of
 *    them receives `--messages` messages while every member is away (no socket), so each
 *    message becomes a push to every member but the sender. Measures pushes per second
 *    from the first send to the last push received, and checks none repeats.
 * 2. The send path's cost: pairs of people message each other over direct chats (as in
 *    `direct`), alternately with every recipient looking at the app (no push queued) and
 *    with every recipient's socket hidden (`focus` false: one push per message), on the
 *    same server in the same run; the ratio of their msgs/s is the cost of push.
 */
import { appendFileSync } from "node:fs";
import { ApiClient } from "@private-chat/sdk";
import webpush from "web-push";
import { chatSocketUrl, createGroup, createPairs, registerUsers } from "../lib/accounts.js";
import { prepareServer, startChatServer } from "../lib/chat-server.js";
import { REGISTER_CONCURRENCY_FLAG } from "../lib/common-flags.js";
import { type MessagingResult, messagingProblems, runMessaging } from "../lib/messaging.js";
import { mapBounded, waitForQuiet, waitUntil } from "../lib/pool.js";
import { type PushSink, startPushSink } from "../lib/push-sink.js";
import { perSecond, round, usageOver } from "../lib/stats.js";
import { BenchError, flag, printTable, progress, type Workload } from "../lib/workload.js";

const FOCUS_HIDDEN = JSON.stringify({ type: "focus", active: false });
/** Messages per sender before each send-path run measures; they are pushed too. */
const WARMUP = 5;

/** Waits until the sink has `expected` pushes (or the deadline), then a quiet spell. */
async function drained(sink: PushSink, expected: number, deadline: number): Promise<boolean> {
  const done = await waitUntil(
    () => sink.received >= expected,
    Math.max(0, deadline - performance.now()),
    20,
  );
  // A repeat would arrive within a short grace period.
  await waitForQuiet(() => sink.lastAt, 500, 3000);
  return done;
}

export const push: Workload = {
  name: "push",
  summary: "Web Push: pushes/s to a local push service, and msgs/s with push on vs off",
  defaultTimeoutS: 900,
  flags: {
    users: { default: 10_000, min: 2, max: 20_000, help: "subscribed users" },
    members: { default: 1_000, min: 2, max: 10_000, help: "members of the group (<= users)" },
    messages: { default: 10, min: 1, max: 10_000, help: "messages sent into the group" },
    pairs: { default: 50, min: 1, max: 1_000, help: "direct pairs for the send-path cost" },
    "pair-messages": {
      default: 100,
      min: 1,
      max: 100_000,
      help: "messages each pair member sends per round",
    },
    rounds: { default: 2, min: 1, max: 10, help: "off/on rounds of the send-path cost" },
    "register-concurrency": REGISTER_CONCURRENCY_FLAG,
  },
  async run(ctx) {
    const users = flag(ctx, "users");
    const members = flag(ctx, "members");
    const pairUsers = flag(ctx, "pairs") * 2;
    if (members > users) throw new BenchError("--members must not exceed --users");
    if (ctx.server.nodes > 1) throw new BenchError("push measures one node");
    const sink = await startPushSink();
    const setup = await prepareServer(ctx.server);
    const keys = webpush.generateVAPIDKeys();
    appendFileSync(
      setup.configFile,
      `\n[push]\nvapid_public_key = "${keys.publicKey}"\nvapid_private_key = "${keys.privateKey}"\nsubject = "mailto:bench@example.com"\nallow_private_endpoints = true\n`,
    );
    const server = await startChatServer(setup, { NODE_EXTRA_CA_CERTS: sink.caFile });
    progress(`chat-server pid ${server.pid} at ${server.url}; push sink at ${sink.origin}`);

    const total = users + pairUsers;
    progress(`registering ${total} users...`);
    const registered = await registerUsers(server.url, total, flag(ctx, "register-concurrency"));
    const everyone = registered.users;
    const subscribeStart = performance.now();
    await mapBounded(everyone.length, 32, async (i) => {
      const user = everyone[i];
      if (!user) return;
      await new ApiClient({ baseUrl: server.url, token: user.token }).push.subscribe({
        ...sink.subscription(i),
        expirationTime: null,
      });
    });
    const subscribeSeconds = (performance.now() - subscribeStart) / 1000;
    progress(`${everyone.length} subscriptions in ${round(subscribeSeconds)} s`);

    // 1. Fan-out to a group whose members are all away.
    const group = everyone.slice(0, members);
    const groupId = await createGroup(server.url, group);
    // A group this size notifies only mentions by default: every member asks for all.
    await mapBounded(group.length, 32, async (i) => {
      const member = group[i];
      if (!member) return;
      await new ApiClient({
        baseUrl: server.url,
        token: member.token,
      }).setConversationNotifications(groupId, { level: "all" });
    });
    const owner = new ApiClient({ baseUrl: server.url, token: group[0]?.token ?? "" });
    const messages = flag(ctx, "messages");
    const expected = (members - 1) * messages;
    await sink.reset();
    const fanUsage = usageOver(server);
    const sendStart = performance.now();
    for (let i = 0; i < messages; i++) {
      await owner.sendMessage(groupId, { body: `push bench message ${i}` });
    }
    const fanDeadline = Math.min(ctx.deadline, performance.now() + 600_000);
    const fanDone = await drained(sink, expected, fanDeadline);
    const fanOut = {
      members,
      messages,
      expected,
      received: sink.received,
      repeats: await sink.repeatsOver(messages),
      seconds: round((sink.lastAt - sendStart) / 1000, 3),
      pushes_per_s: perSecond(sink.received, sink.lastAt - sendStart),
      first_push_ms: round(sink.firstAt - sendStart, 1),
      server: fanUsage(),
      timed_out: !fanDone,
    };

    progress(`fan-out: ${fanOut.received} of ${expected} pushes in ${fanOut.seconds} s`);
    // 2. The send path with push off (recipients looking) and on (recipients away).
    const pairs = everyone.slice(users);
    const conversations = await createPairs(server.url, pairs, 16);
    const urls = pairs.map((u) => chatSocketUrl(server.wsUrl, u));
    const senders = pairs.map((_, i) => ({
      socket: i,
      conversationId: conversations[Math.floor(i / 2)] ?? "",
    }));
    const perSender = flag(ctx, "pair-messages");
    const runs: {
      push: "off" | "on";
      result: MessagingResult;
      pushes: number;
      expectedPushes: number;
    }[] = [];
    for (let round_ = 0; round_ < flag(ctx, "rounds"); round_++) {
      for (const mode of ["off", "on"] as const) {
        await sink.reset();
        progress(`send path, push ${mode} (round ${round_ + 1})...`);
        const result = await runMessaging(
          {
            urls,
            senders,
            recipientsPerMessage: 1,
            messagesPerSender: perSender,
            inFlight: 10,
            durationSec: 10,
            bodyBytes: 100,
            warmupPerSender: WARMUP,
            connectConcurrency: 100,
            initialFrames: mode === "on" ? [FOCUS_HIDDEN] : [],
            runTag: `${mode}${round_}_`,
            deadline: ctx.deadline,
          },
          server,
        );
        // Every push of this run is out before the next run measures.
        const expectedPushes = mode === "on" ? result.acked + senders.length * WARMUP : 0;
        if (mode === "on") await drained(sink, expectedPushes, ctx.deadline);
        runs.push({ push: mode, result, pushes: sink.received, expectedPushes });
      }
    }
    await server.stop();
    await sink.close();

    const mean = (mode: "off" | "on", pick: (r: MessagingResult) => number) => {
      const list = runs.filter((r) => r.push === mode).map((r) => pick(r.result));
      return round(list.reduce((a, b) => a + b, 0) / list.length, 1);
    };
    const off = mean("off", (r) => r.msgs_per_s);
    const on = mean("on", (r) => r.msgs_per_s);
    const sendPath = {
      pairs: pairUsers / 2,
      messages_per_user: perSender,
      runs: runs.map((r) => ({
        push: r.push,
        msgs_per_s: r.result.msgs_per_s,
        p50_ms: r.result.latency_ms.p50,
        p99_ms: r.result.latency_ms.p99,
        pushes: r.pushes,
        server: r.result.server,
      })),
      msgs_per_s: { off, on },
      on_vs_off: off > 0 ? round(on / off, 3) : 0,
    };
    const table = [
      ["measure", "value", "", "note"],
      ["subscribe", `${round(everyone.length / subscribeSeconds, 1)}/s`, "", `${everyone.length}`],
      [
        "fan-out pushes/s",
        String(fanOut.pushes_per_s),
        "",
        `${fanOut.received}/${expected} in ${fanOut.seconds} s`,
      ],
      ["fan-out repeats", String(fanOut.repeats), "", ""],
      ["server CPU s / peak MiB", `${fanOut.server.cpuSeconds}`, "", `${fanOut.server.peakRssMb}`],
      [
        "direct msgs/s, push off",
        String(off),
        "",
        `p99 ${mean("off", (r) => r.latency_ms.p99)} ms`,
      ],
      ["direct msgs/s, push on", String(on), "", `p99 ${mean("on", (r) => r.latency_ms.p99)} ms`],
      ["on / off", String(sendPath.on_vs_off), "", "at most 10 % lower is the aim"],
    ];
    printTable(`push: ${users} users, a ${members}-member group (${ctx.server.database})`, table);
    const problems: string[] = [];
    if (fanOut.timed_out) problems.push(`fan-out: ${fanOut.received} of ${expected} pushes`);
    if (fanOut.repeats > 0) problems.push(`fan-out: ${fanOut.repeats} pushes repeated`);
    for (const run of runs) {
      problems.push(...messagingProblems(`send path (push ${run.push})`, run.result));
      if (run.pushes !== run.expectedPushes)
        problems.push(
          `send path (push ${run.push}): ${run.pushes} pushes, not ${run.expectedPushes}`,
        );
    }
    return {
      record: {
        params: {
          users,
          members,
          messages,
          database: ctx.server.database,
          redis: ctx.server.redis,
        },
        setup: { register_s: round(registered.seconds), subscribe_s: round(subscribeSeconds) },
        fan_out: fanOut,
        send_path: sendPath,
      },
      table,
      problems,
    };
  },
};
