/**
 * What the admin console shows of the server: version, nodes, sockets, messages per day,
 * and how big the database, the event log and the uploads are. Every figure is read so
 * that it stays cheap as data grows: messages per day count ranges of the messages'
 * primary key (UUIDv7 ids begin with their creation time, storage/time-ordered-id.ts),
 * the event log's size comes from its head and horizon, the database's from the engine's
 * own page counts. No full scan of a large table.
 */
import type { AdminServerResponse } from "@private-chat/protocol/admin";
import { sql } from "kysely";
import { STALE_MS } from "../ops/node-registry.js";
import type { Store } from "../storage/store.js";

const DAY_MS = 24 * 60 * 60 * 1000;
const DAYS = 30;

/** The smallest UUIDv7 of the millisecond `ms`: ids at or above it are that young. */
export function idFloor(ms: number): string {
  const time = ms.toString(16).padStart(12, "0");
  return `${time.slice(0, 8)}-${time.slice(8)}-7000-0000-000000000000`;
}

export interface ServerStatsDeps {
  store: Store;
  version: string;
  nodeId: string;
  startedAt: number;
  sockets: () => number;
  /** Web Push is on (its queue is then reported). */
  push: boolean;
}

async function messagesPerDay(
  store: Store,
  now: number,
): Promise<AdminServerResponse["messages_per_day"]> {
  const today = Math.floor(now / DAY_MS) * DAY_MS;
  const days: AdminServerResponse["messages_per_day"] = [];
  for (let i = DAYS - 1; i >= 0; i--) {
    const start = today - i * DAY_MS;
    const row = await store.db
      .selectFrom("messages")
      .select((eb) => eb.fn.countAll<number | string>().as("n"))
      .where("id", ">=", idFloor(start))
      .where("id", "<", idFloor(start + DAY_MS))
      .executeTakeFirst();
    days.push({ day: new Date(start).toISOString().slice(0, 10), messages: Number(row?.n ?? 0) });
  }
  return days;
}

async function databaseBytes(store: Store): Promise<number> {
  if (store.type === "sqlite") {
    const { rows } = await sql<{ bytes: number }>`
      select (page_count - freelist_count) * page_size as bytes
      from pragma_page_count(), pragma_freelist_count(), pragma_page_size()`.execute(store.db);
    return Number(rows[0]?.bytes ?? 0);
  }
  const { rows } = await sql<{ bytes: string | null }>`
    select sum(pg_total_relation_size(c.oid)) as bytes
    from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where n.nspname = current_schema() and c.relkind = 'r'`.execute(store.db);
  return Number(rows[0]?.bytes ?? 0);
}

async function uploads(store: Store): Promise<AdminServerResponse["uploads"]> {
  // A file attached twice is stored once: count each blob once.
  const row = await store.db
    .selectFrom(
      store.db
        .selectFrom("attachments")
        .select(["blob", (eb) => eb.fn.max("size").as("size")])
        .where("deleted_at", "is", null)
        .groupBy("blob")
        .as("b"),
    )
    .select((eb) => [
      eb.fn.countAll<number | string>().as("files"),
      eb.fn.sum<number | string | null>("b.size").as("bytes"),
    ])
    .executeTakeFirst();
  return { files: Number(row?.files ?? 0), bytes: Number(row?.bytes ?? 0) };
}

export async function serverStats(deps: ServerStatsDeps): Promise<AdminServerResponse> {
  const { store } = deps;
  const now = Date.now();
  const nodes = await store.nodes.others("", now - STALE_MS);
  const newest = await store.events.latestId();
  const horizon = await store.events.horizon();
  const push = deps.push ? await store.push.stats() : null;
  const webhooks = await store.eventSubscriptions.stats();
  return {
    version: deps.version,
    database: store.type,
    node_id: deps.nodeId,
    uptime_seconds: Math.round((now - deps.startedAt) / 1000),
    sockets: deps.sockets(),
    nodes: nodes.map((n) => ({
      id: n.id,
      hostname: n.hostname,
      pid: n.pid,
      started_at: n.started_at,
      last_seen_at: n.last_seen_at,
      knows_through: n.knows_through,
    })),
    messages_per_day: await messagesPerDay(store, now),
    database_bytes: await databaseBytes(store),
    // Only the retention sweep removes events, always the oldest: ids between the horizon
    // and the head are what the log holds.
    event_log: { events: newest - horizon, oldest_cursor: horizon + 1, newest_cursor: newest },
    uploads: await uploads(store),
    push_queue: push ? { queued: push.queued, oldest_at: push.oldestAt } : null,
    webhook_queue: { queued: webhooks.queued, oldest_at: webhooks.oldestAt },
  };
}
