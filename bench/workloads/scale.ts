/**
 * `scale`: how the cost of reading grows with the data. One person in C conversations;
 * the database is filled in tenfold steps (10k, 100k, 1M, 10M messages, up to --up-to)
 * straight into storage while the server is stopped (lib/seed-scale.ts), and at each
 * size the server is started on it and measured: history pages, search for a rare and a
 * common term, the conversation list (first page, and all of it), a resume after an
 * hour offline, the database's size, and the server's start time and memory.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { createGroup, registerUsers } from "../lib/accounts.js";
import {
  inBenchSchema,
  openBenchSqlite,
  prepareServer,
  type ServerSetup,
  startChatServer,
} from "../lib/chat-server.js";
import { resultsDir } from "../lib/results.js";
import {
  conversationList,
  historyPages,
  type ListFigures,
  type MeasureContext,
  resumeAfterAnHour,
  searches,
  type Timed,
  wholeConversationList,
} from "../lib/scale-measures.js";
import { databaseBytes, type ScalePlan, seedScale } from "../lib/seed-scale.js";
import { round } from "../lib/stats.js";
import { lineChart, type Series } from "../lib/svg-chart.js";
import { BenchError, flag, printTable, progress, type Workload } from "../lib/workload.js";

const HOUR_MS = 3_600_000;
/** The first start after seeding reads every page of a file of several gigabytes. */
const START_TIMEOUT_MS = 600_000;

interface SizeFigures {
  messages: number;
  seed_s: number;
  /** The first start after the seeding: SQLite's quick_check reads every page. */
  start_s: number;
  /** A start after the server's own clean stop. */
  restart_s: number;
  db_bytes: number;
  db_bytes_per_message: number;
  server_rss_mb: number;
  history: Timed;
  search_rare: Timed;
  search_common: Timed;
  conversation_list: ListFigures;
  whole_conversation_list: Timed;
  resume_after_hour: Timed & { events: number };
}

function sizesUpTo(upTo: number): number[] {
  const sizes: number[] = [];
  for (let n = 10_000; n < upTo; n *= 10) sizes.push(n);
  sizes.push(upTo);
  return sizes;
}

/** The last cursor before the newest hour of messages. */
async function cursorBeforeLastHour(setup: ServerSetup, newestAt: number): Promise<number> {
  const query = "select coalesce(max(id), 0) as id from events where created_at < ";
  if (setup.options.database === "postgres") {
    let id = 0;
    await inBenchSchema(setup, async (client) => {
      const { rows } = await client.query<{ id: string }>(`${query} $1`, [newestAt - HOUR_MS]);
      id = Number(rows[0]?.id ?? 0);
    });
    return id;
  }
  const db = openBenchSqlite(setup);
  try {
    return Number(
      db.prepare<[number], { id: number }>(`${query} ?`).get(newestAt - HOUR_MS)?.id ?? 0,
    );
  } finally {
    db.close();
  }
}

const row = (name: string, t: Timed) => [
  name,
  `${t.latency_ms.p50} / ${t.latency_ms.p99} ms`,
  `${t.per_s}/s`,
  t.errors + t.wrong > 0 ? `${t.errors} errors, ${t.wrong} wrong` : "",
];

function chart(database: string, figures: SizeFigures[]): string {
  const p99 = (pick: (f: SizeFigures) => Timed): [number, number][] =>
    figures.map((f) => [f.messages, pick(f).latency_ms.p99]);
  const series: Series[] = [
    { name: "history page", points: p99((f) => f.history) },
    { name: "search, 1 in 1,000", points: p99((f) => f.search_rare) },
    { name: "search, 1 in 97", points: p99((f) => f.search_common) },
    { name: "conversation list", points: p99((f) => f.conversation_list) },
    { name: "resume after 1 h", points: p99((f) => f.resume_after_hour) },
  ];
  const svg = lineChart(
    `p99 as the database grows (${database})`,
    "messages in the database",
    "p99 latency, ms",
    series,
  );
  mkdirSync(resultsDir(), { recursive: true });
  const file = `${resultsDir()}scale-${database}.svg`;
  writeFileSync(file, svg);
  return file;
}

export const scale: Workload = {
  name: "scale",
  summary: "reads as the database grows (10k to 10M messages): history, search, list, resume",
  defaultTimeoutS: 3600,
  flags: {
    "up-to": {
      default: 1_000_000,
      min: 10_000,
      max: 10_000_000,
      help: "largest size; sizes grow tenfold from 10,000",
    },
    conversations: { default: 2000, min: 2, max: 100_000, help: "conversations the person is in" },
    "per-hour": {
      default: 1000,
      min: 1,
      max: 1_000_000,
      help: "messages per hour, which sets their times",
    },
    concurrency: {
      default: 1,
      min: 1,
      max: 256,
      help: "requests in flight at once (1: the latency of one reader)",
    },
    duration: { default: 5, min: 1, max: 600, help: "seconds each measure runs at each size" },
  },
  async run(ctx) {
    const sizes = sizesUpTo(flag(ctx, "up-to"));
    const database = ctx.server.database;
    if (ctx.server.nodes > 1) throw new BenchError("scale measures one node: leave out --nodes");
    const setup = await prepareServer(ctx.server);
    let server = await startChatServer(setup);
    const { users } = await registerUsers(server.url, 2, 2);
    const [person, other] = users;
    if (!person || !other) throw new Error("registration returned no users");
    const templateId = await createGroup(server.url, [person, other]);
    await server.stop();
    const stepMs = Math.max(1, Math.round(HOUR_MS / flag(ctx, "per-hour")));
    const plan: ScalePlan = {
      templateId,
      conversations: flag(ctx, "conversations"),
      startMs: Date.now() - (sizes.at(-1) ?? 0) * stepMs,
      stepMs,
    };
    const figures: SizeFigures[] = [];
    let seeded = 0;
    for (const size of sizes) {
      if (performance.now() > ctx.deadline) throw new BenchError("--timeout reached");
      progress(`seeding messages ${seeded} to ${size}...`);
      const seedStart = performance.now();
      await seedScale(setup, plan, seeded, size);
      const seedS = round((performance.now() - seedStart) / 1000);
      seeded = size;
      const dbBytes = await databaseBytes(setup);
      const since = await cursorBeforeLastHour(setup, plan.startMs + (size - 1) * stepMs);
      const startAt = performance.now();
      server = await startChatServer(setup, {}, START_TIMEOUT_MS);
      const startS = round((performance.now() - startAt) / 1000);
      progress(`${size} messages: seeded in ${seedS} s, server up in ${startS} s; measuring...`);
      const m: MeasureContext = {
        server,
        user: person,
        plan,
        total: size,
        concurrency: flag(ctx, "concurrency"),
        seconds: flag(ctx, "duration"),
      };
      const history = await historyPages(m);
      const searchRare = await searches(m, "rare");
      const searchCommon = await searches(m, "common");
      const list = await conversationList(m);
      const wholeList = await wholeConversationList(m);
      const resume = await resumeAfterAnHour(m, since);
      const rss = server.sample().rssKb;
      await server.stop();
      // Started again on the file it closed cleanly: no page-by-page check this time.
      const restartAt = performance.now();
      server = await startChatServer(setup, {}, START_TIMEOUT_MS);
      const restartS = round((performance.now() - restartAt) / 1000);
      await server.stop();
      figures.push({
        messages: size,
        seed_s: seedS,
        start_s: startS,
        restart_s: restartS,
        db_bytes: dbBytes,
        db_bytes_per_message: Math.round(dbBytes / size),
        server_rss_mb: round(rss / 1024, 1),
        history,
        search_rare: searchRare,
        search_common: searchCommon,
        conversation_list: list,
        whole_conversation_list: wholeList,
        resume_after_hour: resume,
      });
      const f = figures.at(-1) as SizeFigures;
      printTable(`scale: ${size} messages in ${plan.conversations} conversations (${database})`, [
        ["measure", "p50 / p99", "rate", "problems"],
        row("history page", f.history),
        row("search, 1 in 1,000", f.search_rare),
        row("search, 1 in 97", f.search_common),
        row(
          `conversation list, first page (${round(f.conversation_list.bytes / 1024, 1)} KB)`,
          f.conversation_list,
        ),
        row(`conversation list, all ${plan.conversations}`, f.whole_conversation_list),
        row(`resume after 1 h (${resume.events} events)`, f.resume_after_hour),
        [
          "database",
          `${round(dbBytes / 2 ** 20, 1)} MiB`,
          `${f.db_bytes_per_message} B/message`,
          "",
        ],
        [
          "server start / restart / RSS",
          `${startS} s / ${restartS} s`,
          `${f.server_rss_mb} MiB`,
          "",
        ],
      ]);
    }
    const chartFile = chart(database, figures);
    progress(`chart written to ${chartFile}`);
    const problems: string[] = [];
    for (const f of figures) {
      for (const [name, t] of Object.entries(f)) {
        if (typeof t !== "object" || t === null || !("errors" in t)) continue;
        const timedFigure = t as Timed;
        if (timedFigure.errors > 0 || timedFigure.wrong > 0)
          problems.push(
            `${name} at ${f.messages}: ${timedFigure.errors} errors, ${timedFigure.wrong} wrong answers`,
          );
      }
    }
    const last = figures.at(-1) as SizeFigures;
    return {
      record: {
        params: {
          sizes,
          conversations: plan.conversations,
          per_hour: flag(ctx, "per-hour"),
          concurrency: flag(ctx, "concurrency"),
          duration: flag(ctx, "duration"),
          database,
        },
        seed_method:
          database === "postgres"
            ? "INSERT ... SELECT FROM generate_series with the secondary indexes dropped and rebuilt"
            : "INSERT ... SELECT from a recursive CTE in one transaction, then the FTS5 entries in one statement",
        sizes: figures,
        chart: chartFile.replace(/.*\/bench\//, "bench/"),
      },
      table: [
        ["measure", `p99 at ${last.messages}`],
        ["history page", String(last.history.latency_ms.p99)],
        ["search, 1 in 1,000", String(last.search_rare.latency_ms.p99)],
        ["conversation list", String(last.conversation_list.latency_ms.p99)],
      ],
      problems,
    };
  },
};
