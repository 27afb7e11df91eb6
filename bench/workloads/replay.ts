/**
 * `replay`: what a resume costs a reader in a quiet corner of a busy server. The log is
 * filled straight into the stopped server's database with E events spread at random over
 * C conversations, of which the reader belongs to M; then the reader asks
 * `GET /api/v1/sync?since=` for one page (500 events) from tenfold gaps behind the
 * newest cursor (1,000, 10,000, ... events), one request at a time. A reconnect after a
 * restart of 30 s on a server at 1,000 msgs/s is a gap of 30,000.
 */
import { randomUUID } from "node:crypto";
import { ApiClient } from "@private-chat/sdk";
import { createGroup, registerUsers } from "../lib/accounts.js";
import {
  inBenchSchema,
  openBenchSqlite,
  prepareServer,
  type ServerSetup,
  startChatServer,
} from "../lib/chat-server.js";
import { LatencyRecorder, type LatencySummary, round } from "../lib/stats.js";
import { BenchError, flag, printTable, progress, type Workload } from "../lib/workload.js";

const PAGE = 500;

interface LogPlan {
  events: number;
  /** The reader's conversations first, then the others'. */
  conversations: string[];
}

/** A read mark in conversation `c`: a small event like most of a busy log. */
function readPayload(conversationId: string, userId: string, seq: number): string {
  return JSON.stringify({ type: "read", conversation_id: conversationId, user_id: userId, seq });
}

/** Writes the events; returns the newest cursor. */
function seedSqlite(setup: ServerSetup, plan: LogPlan, writerId: string): number {
  const db = openBenchSqlite(setup);
  try {
    const insert = db.prepare(
      "insert into events (conversation_id, user_id, type, payload, created_at) values (?, null, 'read', ?, ?)",
    );
    const now = Date.now();
    const n = plan.conversations.length;
    db.transaction(() => {
      for (let i = 0; i < plan.events; i++) {
        const c = plan.conversations[Math.floor(Math.random() * n)] as string;
        insert.run(c, readPayload(c, writerId, i), now);
      }
    })();
    db.pragma("wal_checkpoint(TRUNCATE)");
    return Number(db.prepare<[], { id: number }>("select max(id) as id from events").get()?.id);
  } finally {
    db.close();
  }
}

async function seedPostgres(setup: ServerSetup, plan: LogPlan, writerId: string): Promise<number> {
  let head = 0;
  await inBenchSchema(setup, async (client) => {
    await client.query(
      `insert into events (conversation_id, user_id, type, payload, created_at)
       select c, null, 'read',
              json_build_object('type', 'read', 'conversation_id', c, 'user_id', $2::text, 'seq', g)::text,
              $3::bigint
       from (select g, ($1::text[])[floor(random() * array_length($1::text[], 1))::int + 1] as c
             from generate_series(0, $4::int - 1) as g) as picked
       order by g`,
      [plan.conversations, writerId, Date.now(), plan.events],
    );
    await client.query("analyze events");
    const { rows } = await client.query<{ id: string }>("select max(id) as id from events");
    head = Number(rows[0]?.id);
  });
  return head;
}

/** The cursors of every event of the reader's conversations, in order. */
async function readerCursors(setup: ServerSetup, mine: string[]): Promise<number[]> {
  const query = "select id from events where conversation_id in (select value from ";
  if (setup.options.database === "postgres") {
    let ids: number[] = [];
    await inBenchSchema(setup, async (client) => {
      const { rows } = await client.query<{ id: string }>(
        `${query} unnest($1::text[]) as value) order by id`,
        [mine],
      );
      ids = rows.map((r) => Number(r.id));
    });
    return ids;
  }
  const db = openBenchSqlite(setup);
  try {
    return db
      .prepare<[string], { id: number }>(`${query} json_each(?)) order by id`)
      .all(JSON.stringify(mine))
      .map((r) => r.id);
  } finally {
    db.close();
  }
}

function gapsUpTo(events: number): number[] {
  const gaps: number[] = [];
  for (let gap = 1_000; gap <= events; gap *= 10) gaps.push(gap);
  return gaps;
}

export const replay: Workload = {
  name: "replay",
  summary: "one page of sync after tenfold gaps, for a reader in few of a busy log's conversations",
  flags: {
    events: { default: 300_000, min: 1_000, max: 10_000_000, help: "events in the log" },
    conversations: { default: 2_000, min: 2, max: 100_000, help: "conversations they spread over" },
    memberships: { default: 20, min: 1, max: 2_000, help: "of which the reader is in" },
    requests: { default: 30, min: 1, max: 10_000, help: "sync requests per gap" },
  },
  async run(ctx) {
    const events = flag(ctx, "events");
    const memberships = flag(ctx, "memberships");
    const total = flag(ctx, "conversations");
    if (memberships > total) throw new BenchError("--memberships cannot exceed --conversations");
    const setup = await prepareServer(ctx.server);
    let server = await startChatServer(setup);
    const { users } = await registerUsers(server.url, 2, 2);
    const [reader, writer] = users;
    if (!reader || !writer) throw new Error("registration returned no users");
    progress(`creating the reader's ${memberships} conversations...`);
    const conversations: string[] = [];
    for (let i = 0; i < memberships; i++)
      conversations.push(await createGroup(server.url, [reader]));
    // The others are only ids in the log: the reader cannot see them either way.
    for (let i = memberships; i < total; i++) conversations.push(randomUUID());
    await server.stop();

    progress(`writing ${events} events into the stopped server's log...`);
    const plan = { events, conversations };
    const seedStart = performance.now();
    const head =
      setup.options.database === "postgres"
        ? await seedPostgres(setup, plan, writer.id)
        : seedSqlite(setup, plan, writer.id);
    const seedSeconds = round((performance.now() - seedStart) / 1000);
    const mine = await readerCursors(setup, conversations.slice(0, memberships));
    server = await startChatServer(setup);
    const client = new ApiClient({ baseUrl: server.url, token: reader.token });

    const problems: string[] = [];
    const byGap: Record<string, LatencySummary & { events: number }> = {};
    const table: string[][] = [["gap (events behind)", "p50 ms", "p99 ms", "events in page"]];
    try {
      for (const gap of gapsUpTo(events)) {
        const latency = new LatencyRecorder();
        // Every page must hold exactly the reader's next events: none missed, none other.
        const expected = mine.filter((id) => id > head - gap).slice(0, PAGE);
        let got = 0;
        for (let i = 0; i < flag(ctx, "requests") && performance.now() < ctx.deadline; i++) {
          const sent = performance.now();
          const page = await client.sync(head - gap, PAGE);
          latency.recordMs(performance.now() - sent);
          got = page.events.length;
          const cursors = page.events.map((e) => e.cursor);
          if (cursors.join() !== expected.join())
            problems.push(`gap ${gap}: ${got} events, not the reader's ${expected.length}`);
        }
        const summary = latency.summary();
        byGap[gap] = { ...summary, events: got };
        table.push([String(gap), String(summary.p50), String(summary.p99), String(got)]);
      }
    } finally {
      await server.stop();
    }
    printTable(`replay: reader in ${memberships} of ${total} conversations`, table);
    return {
      record: {
        events,
        conversations: total,
        memberships,
        page: PAGE,
        seed_s: seedSeconds,
        by_gap: byGap,
      },
      table: [],
      problems: [...new Set(problems)],
    };
  },
};
