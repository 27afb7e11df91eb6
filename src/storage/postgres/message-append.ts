/**
 * PostgreSQL's answers to the append plan (message-rules.ts): one statement per step for
 * the whole batch (arrays passed through `unnest`), so a batch costs a handful of round
 * trips instead of several per message. The event log's lock is taken first, as every
 * event writer does.
 */
import { type Kysely, sql, type Transaction } from "kysely";
import { lockEventLog } from "../events.js";
import { type MessageRow, normaliseMessage } from "../message-row.js";
import {
  type AppendBatch,
  type AppendResult,
  type AsyncAppendEngine,
  type MessageAppender,
  runAppendAsync,
  sendKey,
} from "../message-rules.js";
import type { Database } from "../schema.js";

function engine(trx: Transaction<Database>): AsyncAppendEngine {
  return {
    async find(requests) {
      // LATERAL with LIMIT 1 keeps one index probe per request, whatever the planner
      // guesses about the size of the unnest.
      const { rows: members } = await sql<{ conversation_id: string; user_id: string }>`
        select m.conversation_id, m.user_id
        from unnest(${requests.map((r) => r.conversationId)}::text[], ${requests.map((r) => r.senderId)}::text[])
          as r(conversation_id, user_id)
        cross join lateral (
          select conversation_id, user_id from conversation_members
          where conversation_id = r.conversation_id and user_id = r.user_id
          limit 1
        ) m`.execute(trx);
      const earlier = new Map<string, MessageRow>();
      const withId = requests.filter((r) => r.clientId !== null);
      if (withId.length > 0) {
        const { rows } = await sql<MessageRow>`
          select m.*
          from unnest(${withId.map((r) => r.conversationId)}::text[], ${withId.map((r) => r.senderId)}::text[], ${withId.map((r) => r.clientId)}::text[])
            as r(conversation_id, sender_id, client_id)
          cross join lateral (
            select * from messages
            where conversation_id = r.conversation_id and sender_id = r.sender_id and client_id = r.client_id
            limit 1
          ) m`.execute(trx);
        for (const row of rows) {
          const key = sendKey(row.conversation_id, row.sender_id, row.client_id ?? "");
          earlier.set(key, normaliseMessage(row));
        }
      }
      return {
        members: new Set(members.map((m) => sendKey(m.conversation_id, m.user_id))),
        earlier,
      };
    },

    async reserve(counts, now) {
      const ids = [...counts.keys()];
      const { rows } = await sql<{ id: string; last_seq: number }>`
        update conversations c
        set last_seq = c.last_seq + r.n, last_activity_at = ${now}
        from unnest(${ids}::text[], ${ids.map((id) => counts.get(id) ?? 0)}::int[]) as r(id, n)
        where c.id = r.id
        returning c.id, c.last_seq`.execute(trx);
      return new Map(rows.map((row) => [row.id, Number(row.last_seq)]));
    },

    // One statement (one round trip) for the rows, the read marks and the events.
    async write(rows, marks, _payloads, now, _requests, stored) {
      // Event ids come from the sequence in ORDER BY order; sorting what RETURNING gives
      // back pairs them with the rows whatever order it lists them in.
      const { rows: ids } = await sql<{ id: number }>`
        with inserted as (
          insert into messages (id, conversation_id, seq, sender_id, body, client_id, reply_to, created_at)
          select * from unnest(
            ${rows.map((r) => r.id)}::text[], ${rows.map((r) => r.conversation_id)}::text[],
            ${rows.map((r) => r.seq)}::bigint[], ${rows.map((r) => r.sender_id)}::text[],
            ${rows.map((r) => r.body)}::text[], ${rows.map((r) => r.client_id)}::text[],
            ${rows.map((r) => r.reply_to)}::text[], ${rows.map((r) => r.created_at)}::bigint[])
        ), marked as (
          update conversation_members m
          set read_seq = r.seq
          from unnest(${marks.map((r) => r.conversationId)}::text[], ${marks.map((r) => r.userId)}::text[], ${marks.map((r) => r.seq)}::bigint[])
            as r(conversation_id, user_id, seq)
          where m.conversation_id = r.conversation_id and m.user_id = r.user_id and m.read_seq < r.seq
        )
        insert into events (conversation_id, user_id, type, payload, created_at, message_id)
        select r.conversation_id, null, 'message.new', r.payload, ${now}, r.message_id
        from unnest(${rows.map((r) => r.conversation_id)}::text[], ${stored}::text[], ${rows.map((r) => r.id)}::text[])
          with ordinality as r(conversation_id, payload, message_id, n)
        order by r.n
        returning id`.execute(trx);
      return ids.map((r) => Number(r.id)).sort((x, y) => x - y);
    },
  };
}

export class PostgresMessageAppender implements MessageAppender {
  readonly keepsOrder = false;

  constructor(private readonly db: Kysely<Database>) {}

  append(batch: AppendBatch): Promise<AppendResult[]> {
    return this.db.transaction().execute(async (trx) => {
      await lockEventLog(trx, "postgres");
      return runAppendAsync(engine(trx), batch);
    });
  }
}
