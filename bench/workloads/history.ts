/**
 * `history`: concurrent history pages (`GET /api/v1/conversations/:id/messages?before=&limit=`)
 * at random positions in one conversation of N messages. The messages are inserted
 * straight into the database while the server is stopped (see lib/seed-history.ts).
 */
import { ApiClient } from "@private-chat/sdk";
import { createPairs, registerUsers } from "../lib/accounts.js";
import { prepareServer, startChatServer } from "../lib/chat-server.js";
import { mapBounded } from "../lib/pool.js";
import { seedHistory } from "../lib/seed-history.js";
import { LatencyRecorder, perSecond, round, usageOver } from "../lib/stats.js";
import { flag, printTable, progress, type Workload } from "../lib/workload.js";

const MAX_PAGES = 10_000_000;

export const history: Workload = {
  name: "history",
  summary: "concurrent history pages of one conversation of N messages: pages/s and latency",
  flags: {
    messages: { default: 100_000, min: 100, max: 10_000_000, help: "messages in the conversation" },
    concurrency: { default: 16, min: 1, max: 1000, help: "requests in flight at once" },
    duration: { default: 10, min: 1, max: 600, help: "seconds of reading" },
    limit: { default: 50, min: 1, max: 100, help: "messages per page" },
  },
  async run(ctx) {
    const n = flag(ctx, "messages");
    const limit = flag(ctx, "limit");
    const setup = await prepareServer(ctx.server);
    let server = await startChatServer(setup);
    const { users } = await registerUsers(server.url, 2, 2);
    const [a, b] = users;
    if (!a || !b) throw new Error("registration returned no users");
    const [conversationId = ""] = await createPairs(server.url, users, 1);
    await server.stop();
    progress(`inserting ${n} messages into the database...`);
    const seedStart = performance.now();
    const method = await seedHistory(setup, {
      conversationId,
      senderIds: [a.id, b.id],
      messages: n,
    });
    const seedSeconds = round((performance.now() - seedStart) / 1000);
    server = await startChatServer(setup);
    progress(`seeded in ${seedSeconds} s (${method}); reading pages from pid ${server.pid}...`);

    const client = new ApiClient({ baseUrl: server.url, token: a.token });
    const latency = new LatencyRecorder();
    let pages = 0;
    let shortPages = 0;
    let errors = 0;
    const errorCodes: Record<string, number> = {};
    const usage = usageOver(server);
    const start = performance.now();
    const stopAt = Math.min(start + flag(ctx, "duration") * 1000, ctx.deadline);
    await mapBounded(flag(ctx, "concurrency"), flag(ctx, "concurrency"), async () => {
      while (performance.now() < stopAt && pages < MAX_PAGES) {
        const before = limit + 1 + Math.floor(Math.random() * (n - limit + 1));
        const sent = performance.now();
        try {
          const page = await client.history(conversationId, { before, limit });
          if (page.length !== limit || page[0]?.seq !== before - limit) shortPages += 1;
        } catch (err) {
          errors += 1;
          const code = (err as { code?: string }).code ?? "exception";
          errorCodes[code] = (errorCodes[code] ?? 0) + 1;
        }
        latency.recordMs(performance.now() - sent);
        pages += 1;
      }
    });
    const ms = performance.now() - start;
    const used = usage();
    await server.stop();
    const ours = {
      pages,
      seconds: round(ms / 1000, 3),
      pages_per_s: perSecond(pages, ms),
      messages_per_s: perSecond(pages * limit, ms),
      latency_ms: latency.summary(),
      short_pages: shortPages,
      errors,
      error_codes: errorCodes,
      server: used,
    };
    const l = ours.latency_ms;
    const table = [
      ["measure", "ours"],
      ["pages/s", String(ours.pages_per_s)],
      ["latency p50/p95/p99", `${l.p50} / ${l.p95} / ${l.p99} ms`],
      ["wrong pages / errors", `${shortPages} / ${errors}`],
      ["server CPU s", String(used.cpuSeconds)],
      ["server peak RSS MiB", String(used.peakRssMb)],
      ["seed", `${n} messages in ${seedSeconds} s`],
    ];
    printTable(
      `history: ${n} messages, ${flag(ctx, "concurrency")} concurrent, limit ${limit} (${ctx.server.database})`,
      table,
    );
    const problems: string[] = [];
    if (shortPages > 0) problems.push(`${shortPages} pages did not hold the expected messages`);
    if (errors > 0) problems.push(`${errors} requests failed (${JSON.stringify(errorCodes)})`);
    return {
      record: {
        params: {
          messages: n,
          concurrency: flag(ctx, "concurrency"),
          limit,
          database: ctx.server.database,
        },
        setup: { seed_s: seedSeconds, seed_method: method },
        ours,
      },
      table,
      problems,
    };
  },
};
