/**
 * SQLite's append path: prepared statements run synchronously inside one IMMEDIATE
 * transaction (it takes the write lock before its first read, so nothing another
 * connection commits can slip between its checks and its writes). Used on the server's
 * writer thread and, for short-lived tools, on the calling thread.
 */
import type SqliteDatabase from "better-sqlite3";
import type { AppendBatch, AppendResult } from "../message-append.js";
import type { MessageRow } from "../messages.js";
import { searchIndexer } from "./search-index.js";

interface MemberRow {
  joined_seq: number;
}

interface Statements {
  member: SqliteDatabase.Statement<[string, string], MemberRow>;
  byClientId: SqliteDatabase.Statement<[string, string, string], MessageRow>;
  allocateSeq: SqliteDatabase.Statement<[number, string], { last_seq: number }>;
  insertMessage: SqliteDatabase.Statement<unknown[]>;
  moveRead: SqliteDatabase.Statement<[number, string, string, number]>;
  insertEvent: SqliteDatabase.Statement<unknown[], { id: number }>;
}

function prepare(raw: SqliteDatabase.Database): Statements {
  return {
    member: raw.prepare(
      "select joined_seq from conversation_members where conversation_id = ? and user_id = ?",
    ),
    byClientId: raw.prepare(
      "select * from messages where conversation_id = ? and sender_id = ? and client_id = ?",
    ),
    allocateSeq: raw.prepare(
      "update conversations set last_seq = last_seq + 1, last_activity_at = ? where id = ? returning last_seq",
    ),
    insertMessage: raw.prepare(
      "insert into messages (id, conversation_id, seq, sender_id, body, client_id, reply_to, created_at, edited_at, deleted_at) values (?, ?, ?, ?, ?, ?, null, ?, null, null)",
    ),
    moveRead: raw.prepare(
      "update conversation_members set read_seq = ? where conversation_id = ? and user_id = ? and read_seq < ?",
    ),
    insertEvent: raw.prepare(
      "insert into events (conversation_id, user_id, type, payload, created_at) values (?, null, 'message.new', ?, ?) returning id",
    ),
  };
}

function appendAll(
  s: Statements,
  { requests, now, newId, eventPayload }: AppendBatch,
): AppendResult[] {
  return requests.map((request): AppendResult => {
    const { conversationId, senderId, body, clientId } = request;
    if (!s.member.get(conversationId, senderId)) return { kind: "not_member" };
    if (clientId !== null) {
      const original = s.byClientId.get(conversationId, senderId, clientId);
      if (original) return { kind: "duplicate", row: { ...original, seq: Number(original.seq) } };
    }
    const seq = Number(s.allocateSeq.get(now, conversationId)?.last_seq);
    const row: MessageRow = {
      id: newId(),
      conversation_id: conversationId,
      seq,
      sender_id: senderId,
      body,
      client_id: clientId,
      reply_to: null,
      created_at: now,
      edited_at: null,
      deleted_at: null,
    };
    s.insertMessage.run(row.id, conversationId, seq, senderId, body, clientId, now);
    s.moveRead.run(seq, conversationId, senderId, seq);
    const payload = eventPayload(row);
    const cursor = Number(s.insertEvent.get(conversationId, payload, now)?.id);
    return { kind: "stored", row, cursor, payload };
  });
}

export type AppendRunner = (batch: AppendBatch) => AppendResult[];

/** Prepares the statements (the tables must exist) and returns the batch runner. */
export function appendRunner(raw: SqliteDatabase.Database): AppendRunner {
  const statements = prepare(raw);
  const index = searchIndexer(raw);
  const run = raw.transaction((batch: AppendBatch) => {
    const results = appendAll(statements, batch);
    // Last, after every other write of the batch: see search-index.ts.
    index(results.flatMap((r) => (r.kind === "stored" ? [r.row.id] : [])));
    return results;
  });
  return (batch) => run.immediate(batch);
}
