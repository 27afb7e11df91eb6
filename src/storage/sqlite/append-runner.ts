/**
 * SQLite's answers to the append plan (message-rules.ts): prepared statements run
 * synchronously inside one IMMEDIATE transaction (it takes the write lock before its
 * first read, so nothing another connection commits can slip between its checks and its
 * writes). Used on the server's writer thread and, for short-lived tools, on the calling
 * thread.
 */
import type SqliteDatabase from "better-sqlite3-multiple-ciphers";
import { type MessageRow, normaliseMessage } from "../message-row.js";
import {
  type AppendBatch,
  type AppendEngine,
  type AppendResult,
  runAppend,
  sendKey,
} from "../message-rules.js";
import { searchIndexer } from "./search-index.js";

function engine(raw: SqliteDatabase.Database): AppendEngine {
  const member = raw.prepare<[string, string], { one: number }>(
    "select 1 as one from conversation_members where conversation_id = ? and user_id = ?",
  );
  const byClientId = raw.prepare<[string, string, string], MessageRow>(
    "select * from messages where conversation_id = ? and sender_id = ? and client_id = ?",
  );
  const reserve = raw.prepare<[number, number, string], { last_seq: number }>(
    "update conversations set last_seq = last_seq + ?, last_activity_at = ? where id = ? returning last_seq",
  );
  const insertMessage = raw.prepare(
    "insert into messages (id, conversation_id, seq, sender_id, body, client_id, reply_to, created_at, edited_at, deleted_at) values (?, ?, ?, ?, ?, ?, ?, ?, null, null)",
  );
  const moveRead = raw.prepare<[number, string, string, number]>(
    "update conversation_members set read_seq = ? where conversation_id = ? and user_id = ? and read_seq < ?",
  );
  const insertEvent = raw.prepare<[string, string, number, string], { id: number }>(
    "insert into events (conversation_id, user_id, type, payload, created_at, message_id) values (?, null, 'message.new', ?, ?, ?) returning id",
  );
  return {
    find(requests) {
      const members = new Set<string>();
      const earlier = new Map<string, MessageRow>();
      for (const { conversationId, senderId, clientId } of requests) {
        const who = sendKey(conversationId, senderId);
        if (!members.has(who) && member.get(conversationId, senderId)) members.add(who);
        if (clientId === null || !members.has(who)) continue;
        const original = byClientId.get(conversationId, senderId, clientId);
        if (original) {
          earlier.set(sendKey(who, clientId), normaliseMessage(original));
        }
      }
      return { members, earlier };
    },
    reserve(counts, now) {
      const last = new Map<string, number>();
      for (const [id, n] of counts) {
        const row = reserve.get(n, now, id);
        if (row) last.set(id, Number(row.last_seq));
      }
      return last;
    },
    write(rows, marks, _payloads, now, _requests, stored) {
      for (const r of rows) {
        insertMessage.run(
          r.id,
          r.conversation_id,
          r.seq,
          r.sender_id,
          r.body,
          r.client_id,
          r.reply_to,
          r.created_at,
        );
      }
      for (const m of marks) moveRead.run(m.seq, m.conversationId, m.userId, m.seq);
      return rows.map((r, i) =>
        Number(insertEvent.get(r.conversation_id, stored[i] ?? "", now, r.id)?.id),
      );
    },
  };
}

export type AppendRunner = (batch: AppendBatch) => AppendResult[];

/** Prepares the statements (the tables must exist) and returns the batch runner. */
export function appendRunner(raw: SqliteDatabase.Database): AppendRunner {
  const steps = engine(raw);
  const index = searchIndexer(raw);
  const run = raw.transaction((batch: AppendBatch) => {
    const results = runAppend(steps, batch);
    // Last, after every other write of the batch: see search-index.ts.
    index(results.flatMap((r) => (r.kind === "stored" ? [r.row.id] : [])));
    return results;
  });
  return (batch) => run.immediate(batch);
}
