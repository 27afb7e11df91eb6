/**
 * The event log behind sync. An event's id is its cursor: it only grows, and a reader
 * that has seen cursor N has seen every visible event up to N.
 */
import { type Kysely, sql } from "kysely";
import { insideMembership } from "./membership-window.js";
import type { Database } from "./schema.js";

export interface NewEvent {
  conversationId: string | null;
  /** Set for an event meant for one user only (e.g. a mention). */
  userId: string | null;
  type: string;
  /** The event, serialised as JSON. */
  payload: string;
  now: number;
}

export interface LoggedEvent {
  id: number;
  conversationId: string | null;
  userId: string | null;
  type: string;
  payload: string;
}

interface EventRow {
  id: number | string;
  conversation_id: string | null;
  user_id: string | null;
  type: string;
  payload: string;
}

function toLogged(row: EventRow): LoggedEvent {
  return {
    id: Number(row.id),
    conversationId: row.conversation_id,
    userId: row.user_id,
    type: row.type,
    payload: row.payload,
  };
}

/**
 * Serialises event-writing transactions so ids commit in increasing order: otherwise a
 * PostgreSQL reader could see id 11 before id 10 commits and skip 10 for good. SQLite
 * has a single writer and needs nothing. Every writer of events takes it first, so
 * locks are always taken in one order. Keyed by schema, so deployments (or test runs)
 * sharing one database do not wait on each other.
 */
export async function lockEventLog(
  db: Kysely<Database>,
  engine: "sqlite" | "postgres",
): Promise<void> {
  if (engine === "postgres") {
    await sql`select pg_advisory_xact_lock(hashtext('chat-events:' || current_schema()))`.execute(
      db,
    );
  }
}

export class EventStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly engine: "sqlite" | "postgres",
  ) {}

  /** Call inside the transaction, before append: see lockEventLog. */
  lockForAppend(): Promise<void> {
    return lockEventLog(this.db, this.engine);
  }

  async append(event: NewEvent): Promise<number> {
    const row = await this.db
      .insertInto("events")
      .values({
        conversation_id: event.conversationId,
        user_id: event.userId,
        type: event.type,
        payload: event.payload,
        created_at: event.now,
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    return Number(row.id);
  }

  async latestId(): Promise<number> {
    const row = await this.db
      .selectFrom("events")
      .select((eb) => eb.fn.max("id").as("max"))
      .executeTakeFirst();
    return Number(row?.max ?? 0);
  }

  /** Every logged event with an id in [from, to], in order. */
  async range(from: number, to: number): Promise<LoggedEvent[]> {
    const rows = await this.db
      .selectFrom("events")
      .select(["id", "conversation_id", "user_id", "type", "payload"])
      .where("id", ">=", from)
      .where("id", "<=", to)
      .orderBy("id")
      .execute();
    return rows.map(toLogged);
  }

  /**
   * Events after `since` that `userId` may see: those of conversations they are a member
   * of (from when they joined, and from any earlier period of membership) and those
   * addressed to them, in cursor order; none of a message request they declined.
   */
  async visibleSince(userId: string, since: number, limit: number): Promise<LoggedEvent[]> {
    const rows = await this.db
      .selectFrom("events as e")
      .leftJoin("conversation_members as m", (join) =>
        join.onRef("m.conversation_id", "=", "e.conversation_id").on("m.user_id", "=", userId),
      )
      .select(["e.id", "e.conversation_id", "e.user_id", "e.type", "e.payload"])
      .where("e.id", ">", since)
      .where((eb) =>
        eb.or([
          eb("e.user_id", "=", userId),
          eb.and([
            eb("e.user_id", "is", null),
            eb("m.user_id", "is not", null),
            insideMembership("cursor", "e.id", "m"),
          ]),
        ]),
      )
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom("message_requests as r")
              .select("r.conversation_id")
              .whereRef("r.conversation_id", "=", "e.conversation_id")
              .where("r.recipient_id", "=", userId)
              .where("r.state", "=", "declined"),
          ),
        ),
      )
      .orderBy("e.id")
      .limit(limit)
      .execute();
    return rows.map(toLogged);
  }
}
