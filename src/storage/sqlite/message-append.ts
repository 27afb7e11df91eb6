/**
 * SQLite's append path: prepared statements run synchronously inside one transaction.
 * Nothing else can touch the single connection meanwhile, because the work runs while
 * Kysely's connection is checked out to it.
 */
import type SqliteDatabase from "better-sqlite3";
import type { Kysely } from "kysely";
import type { AppendBatch, AppendResult, MessageAppender } from "../message-append.js";
import type { MessageRow } from "../messages.js";
import type { Database } from "../schema.js";

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

export class SqliteMessageAppender implements MessageAppender {
  // Prepared on first use: the tables do not exist before the migrations have run.
  private run: ((batch: AppendBatch) => AppendResult[]) | undefined;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly raw: SqliteDatabase.Database,
  ) {}

  append(batch: AppendBatch): Promise<AppendResult[]> {
    // Checking out Kysely's only connection waits for any transaction it has open.
    return this.db.connection().execute(async () => {
      if (!this.run) {
        const statements = prepare(this.raw);
        this.run = this.raw.transaction((b: AppendBatch) => this.appendAll(statements, b));
      }
      return this.run(batch);
    });
  }

  private appendAll(
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
}
