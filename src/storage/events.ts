/**
 * The event log behind sync. An event's id is its cursor: it only grows, and a reader
 * that has seen cursor N has seen every visible event up to N.
 */
import { type Kysely, sql } from "kysely";
import { EventFormat } from "./event-format.js";
import { REFERENCE_PAYLOAD } from "./event-reference.js";
import { EventReplay, type ReplayOptions, type ReplayRow } from "./event-replay.js";
import type { Database } from "./schema.js";

export interface NewEvent {
  conversationId: string | null;
  /** Set for an event meant for one user only (e.g. a mention). */
  userId: string | null;
  type: string;
  /** The event, serialised as JSON. */
  payload: string;
  now: number;
  /** The message a message.* event carries, so that deleting it finds the event. */
  messageId?: string | null;
}

const PRUNED_THROUGH = "events_pruned_through";

/** The events that carry a message's body, rewritten when the message is deleted. */
export const MESSAGE_EVENTS_WITH_BODY = ["message.new", "message.updated"] as const;

/** Whether a logged event is a reference to its message (see REFERENCE_PAYLOAD). */
export function isReference(event: LoggedEvent): event is LoggedEvent & { messageId: string } {
  return (
    event.payload === REFERENCE_PAYLOAD &&
    event.messageId !== null &&
    (MESSAGE_EVENTS_WITH_BODY as readonly string[]).includes(event.type)
  );
}

export interface LoggedEvent {
  id: number;
  conversationId: string | null;
  userId: string | null;
  type: string;
  payload: string;
  /** The message a message.* event is about. */
  messageId: string | null;
}

function toLogged(row: ReplayRow): LoggedEvent {
  return {
    id: Number(row.id),
    conversationId: row.conversation_id,
    userId: row.user_id,
    type: row.type,
    payload: row.payload,
    messageId: row.message_id,
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
    private readonly format: EventFormat = new EventFormat(),
  ) {
    this.replay = new EventReplay(db, engine);
  }

  private readonly replay: EventReplay;

  /** What the log keeps of an event: a reference for a message event, when it may. */
  private stored(event: NewEvent): string {
    const { type, conversationId, messageId } = event;
    const referable = (MESSAGE_EVENTS_WITH_BODY as readonly string[]).includes(type);
    return this.format.references && referable && conversationId && messageId
      ? REFERENCE_PAYLOAD
      : event.payload;
  }

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
        payload: this.stored(event),
        created_at: event.now,
        message_id: event.messageId ?? null,
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    return Number(row.id);
  }

  /**
   * Rewrites every event that carried the message's body to carry `tombstone` instead (or
   * a reference to the message, now a tombstone, when the log stores those), keeping ids and types so that cursors stay gapless: nothing sync or a gap fill replays
   * shows the text again. Events written without message_id (by a node of a version before
   * migration 017, during a rolling upgrade) are found by their payload, among the few
   * rows of the conversation that lack it. Call inside the delete's transaction.
   */
  async eraseMessage(conversationId: string, messageId: string, tombstone: object): Promise<void> {
    const namesMessage =
      this.engine === "postgres"
        ? sql<boolean>`(payload::json->'message'->>'id') = ${messageId}`
        : sql<boolean>`json_extract(payload, '$.message.id') = ${messageId}`;
    for (const type of MESSAGE_EVENTS_WITH_BODY) {
      // A reference replays as the tombstone the message row now is.
      const payload = this.format.references
        ? REFERENCE_PAYLOAD
        : JSON.stringify({ type, conversation_id: conversationId, message: tombstone });
      await this.db
        .updateTable("events")
        .set({ payload, message_id: messageId })
        .where("type", "=", type)
        .where((eb) =>
          eb.or([
            eb("message_id", "=", messageId),
            eb.and([
              eb("message_id", "is", null),
              eb("conversation_id", "=", conversationId),
              // Literally the partial index's condition (events_message_id_missing), so
              // that both engines use it: a bound list would not prove it.
              sql<boolean>`type in ('message.new', 'message.updated')`,
              namesMessage,
            ]),
          ]),
        )
        .execute();
    }
  }

  /**
   * The newest event id the log's retention removed (0: none): a cursor before it points
   * into events that are gone.
   */
  async horizon(): Promise<number> {
    const row = await this.db
      .selectFrom("server_state")
      .select("value")
      .where("name", "=", PRUNED_THROUGH)
      .executeTakeFirst();
    return Number(row?.value ?? 0);
  }

  /**
   * Removes up to `limit` of the oldest events written before `before`, never the newest
   * event (whose id is the log's head), and moves the horizon past them. Returns how many
   * went. Call inside a transaction, so the horizon moves with the rows.
   */
  async prune(before: number, limit: number): Promise<number> {
    const oldest = await this.db
      .selectFrom("events")
      .select(["id", "created_at"])
      .orderBy("id")
      .limit(limit)
      .execute();
    // Creation time grows with id: what is old enough is a leading run.
    let through = 0;
    for (const row of oldest) {
      if (Number(row.created_at) >= before) break;
      through = Number(row.id);
    }
    const latest = await this.latestId();
    through = Math.min(through, latest - 1);
    if (through <= 0) return 0;
    const removed = await this.db
      .deleteFrom("events")
      .where("id", "<=", through)
      .executeTakeFirst();
    await this.db
      .insertInto("server_state")
      .values({ name: PRUNED_THROUGH, value: through })
      .onConflict((oc) => oc.column("name").doUpdateSet({ value: through }))
      .execute();
    return Number(removed.numDeletedRows);
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
      .select(["id", "conversation_id", "user_id", "type", "payload", "message_id"])
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
  async visibleSince(
    userId: string,
    since: number,
    limit: number,
    options?: ReplayOptions,
  ): Promise<LoggedEvent[]> {
    return (await this.replay.visibleSince(userId, since, limit, options)).map(toLogged);
  }
}
