/**
 * PostgreSQL's append path: one statement per step for the whole batch (arrays passed
 * through `unnest`), so a batch costs a handful of round trips instead of several per
 * message. The event log's lock is taken first, as every event writer does.
 */
import { type Kysely, sql, type Transaction } from "kysely";
import type {
  AppendBatch,
  AppendRequest,
  AppendResult,
  MessageAppender,
} from "../message-append.js";
import type { MessageRow } from "../messages.js";
import type { Database } from "../schema.js";

const key = (...parts: string[]) => parts.join("\u0000");

async function membersOf(trx: Transaction<Database>, requests: AppendRequest[]) {
  // LATERAL with LIMIT 1 keeps one index probe per request, whatever the planner guesses
  // about the size of the unnest.
  const { rows } = await sql<{ conversation_id: string; user_id: string }>`
    select m.conversation_id, m.user_id
    from unnest(${requests.map((r) => r.conversationId)}::text[], ${requests.map((r) => r.senderId)}::text[])
      as r(conversation_id, user_id)
    cross join lateral (
      select conversation_id, user_id from conversation_members
      where conversation_id = r.conversation_id and user_id = r.user_id
      limit 1
    ) m`.execute(trx);
  return new Set(rows.map((row) => key(row.conversation_id, row.user_id)));
}

async function earlierSends(trx: Transaction<Database>, requests: AppendRequest[]) {
  const withId = requests.filter((r) => r.clientId !== null);
  if (withId.length === 0) return new Map<string, MessageRow>();
  const { rows } = await sql<MessageRow>`
    select m.*
    from unnest(${withId.map((r) => r.conversationId)}::text[], ${withId.map((r) => r.senderId)}::text[], ${withId.map((r) => r.clientId)}::text[])
      as r(conversation_id, sender_id, client_id)
    cross join lateral (
      select * from messages
      where conversation_id = r.conversation_id and sender_id = r.sender_id and client_id = r.client_id
      limit 1
    ) m`.execute(trx);
  return new Map(
    rows.map((row) => [
      key(row.conversation_id, row.sender_id, row.client_id ?? ""),
      { ...row, seq: Number(row.seq) },
    ]),
  );
}

/** Reserves `count` seqs per conversation; returns the first reserved seq of each. */
async function reserveSeqs(trx: Transaction<Database>, counts: Map<string, number>, now: number) {
  const ids = [...counts.keys()];
  const { rows } = await sql<{ id: string; last_seq: number }>`
    update conversations c
    set last_seq = c.last_seq + r.n, last_activity_at = ${now}
    from unnest(${ids}::text[], ${ids.map((id) => counts.get(id) ?? 0)}::int[]) as r(id, n)
    where c.id = r.id
    returning c.id, c.last_seq`.execute(trx);
  return new Map(rows.map((row) => [row.id, Number(row.last_seq) - (counts.get(row.id) ?? 0) + 1]));
}

/**
 * Inserts the messages, moves their senders' read marks and logs their events in one
 * statement (one round trip). Returns the events' ids in row order.
 */
async function writeRows(
  trx: Transaction<Database>,
  rows: MessageRow[],
  payloads: string[],
  now: number,
): Promise<number[]> {
  // One read mark per member: UPDATE ... FROM applies only one of several matching rows.
  const highest = new Map<string, MessageRow>();
  for (const row of rows) highest.set(key(row.conversation_id, row.sender_id), row);
  const marks = [...highest.values()];
  // Event ids come from the sequence in ORDER BY order; sorting what RETURNING gives back
  // pairs them with the rows whatever order it lists them in.
  const { rows: ids } = await sql<{ id: number }>`
    with inserted as (
      insert into messages (id, conversation_id, seq, sender_id, body, client_id, created_at)
      select * from unnest(
        ${rows.map((r) => r.id)}::text[], ${rows.map((r) => r.conversation_id)}::text[],
        ${rows.map((r) => r.seq)}::bigint[], ${rows.map((r) => r.sender_id)}::text[],
        ${rows.map((r) => r.body)}::text[], ${rows.map((r) => r.client_id)}::text[],
        ${rows.map((r) => r.created_at)}::bigint[])
    ), marked as (
      update conversation_members m
      set read_seq = r.seq
      from unnest(${marks.map((r) => r.conversation_id)}::text[], ${marks.map((r) => r.sender_id)}::text[], ${marks.map((r) => r.seq)}::bigint[])
        as r(conversation_id, user_id, seq)
      where m.conversation_id = r.conversation_id and m.user_id = r.user_id and m.read_seq < r.seq
    )
    insert into events (conversation_id, user_id, type, payload, created_at)
    select r.conversation_id, null, 'message.new', r.payload, ${now}
    from unnest(${rows.map((r) => r.conversation_id)}::text[], ${payloads}::text[])
      with ordinality as r(conversation_id, payload, n)
    order by r.n
    returning id`.execute(trx);
  return ids.map((r) => Number(r.id)).sort((x, y) => x - y);
}

export class PostgresMessageAppender implements MessageAppender {
  readonly keepsOrder = false;

  constructor(private readonly db: Kysely<Database>) {}

  append(batch: AppendBatch): Promise<AppendResult[]> {
    return this.db.transaction().execute(async (trx) => {
      await sql`select pg_advisory_xact_lock(hashtext('chat-events:' || current_schema()))`.execute(
        trx,
      );
      return this.appendIn(trx, batch);
    });
  }

  private async appendIn(trx: Transaction<Database>, batch: AppendBatch): Promise<AppendResult[]> {
    const { requests, now, newId, eventPayload } = batch;
    const members = await membersOf(trx, requests);
    const earlier = await earlierSends(trx, requests);
    const results: AppendResult[] = [];
    // Sends to store, in request order; a client_id repeated within the batch answers
    // with the first of them.
    const fresh: { index: number; request: AppendRequest }[] = [];
    const repeats: { index: number; of: number }[] = [];
    const firstWithKey = new Map<string, number>();
    const counts = new Map<string, number>();
    requests.forEach((request, index) => {
      const { conversationId, senderId, clientId } = request;
      if (!members.has(key(conversationId, senderId))) {
        results[index] = { kind: "not_member" };
        return;
      }
      const sendKey = clientId === null ? undefined : key(conversationId, senderId, clientId);
      if (sendKey !== undefined) {
        const original = earlier.get(sendKey);
        if (original) {
          results[index] = { kind: "duplicate", row: original };
          return;
        }
        const first = firstWithKey.get(sendKey);
        if (first !== undefined) {
          repeats.push({ index, of: first });
          return;
        }
        firstWithKey.set(sendKey, index);
      }
      fresh.push({ index, request });
      counts.set(conversationId, (counts.get(conversationId) ?? 0) + 1);
    });
    if (fresh.length > 0) {
      const nextSeq = await reserveSeqs(trx, counts, now);
      const rows = fresh.map(({ request }): MessageRow => {
        const seq = nextSeq.get(request.conversationId) ?? 0;
        nextSeq.set(request.conversationId, seq + 1);
        return {
          id: newId(),
          conversation_id: request.conversationId,
          seq,
          sender_id: request.senderId,
          body: request.body,
          client_id: request.clientId,
          reply_to: null,
          created_at: now,
          edited_at: null,
          deleted_at: null,
        };
      });
      const payloads = rows.map(eventPayload);
      const cursors = await writeRows(trx, rows, payloads, now);
      fresh.forEach(({ index }, i) => {
        const row = rows[i] as MessageRow;
        results[index] = {
          kind: "stored",
          row,
          cursor: cursors[i] ?? 0,
          payload: payloads[i] ?? "",
        };
      });
    }
    for (const { index, of } of repeats) {
      const first = results[of];
      if (first?.kind === "stored") results[index] = { kind: "duplicate", row: first.row };
    }
    return results;
  }
}
