/**
 * Writes chat events inside a transaction and announces them only after it commits, so
 * nothing is delivered (or acked) that the database does not hold.
 */
import type { ChatEvent } from "@private-chat/protocol/frames";
import type { Repositories, Store } from "../storage/store.js";
import type { CommittedEvent, DomainEvents, EventOrigin } from "./bus.js";

export interface AppendOptions {
  /** Only this user may see the event. */
  userId?: string;
  membership?: CommittedEvent["membership"];
  origin?: EventOrigin | undefined;
}

/** The committed event for one logged event; the only place one is made. */
export function committedEvent(
  cursor: number,
  event: ChatEvent,
  logged: string | undefined,
  options: AppendOptions = {},
): CommittedEvent {
  const committed: CommittedEvent = {
    cursor,
    conversationId: event.conversation_id,
    userId: options.userId ?? null,
    type: event.type,
    event,
  };
  if (logged !== undefined) committed.logged = logged;
  if (options.membership) committed.membership = options.membership;
  if (options.origin) committed.origin = options.origin;
  return committed;
}

export class EventLog {
  readonly committed: CommittedEvent[] = [];

  constructor(
    private readonly tx: Repositories,
    private readonly now: number,
  ) {}

  /** Logs an event; `logged` is its JSON when the caller already made it. */
  async append(event: ChatEvent, options: AppendOptions = {}, logged?: string): Promise<number> {
    const payload = logged ?? JSON.stringify(event);
    const cursor = await this.tx.events.append({
      conversationId: event.conversation_id,
      userId: options.userId ?? null,
      type: event.type,
      payload,
      now: this.now,
      messageId: "message" in event ? event.message.id : null,
    });
    this.committed.push(committedEvent(cursor, event, payload, options));
    return cursor;
  }
}

/**
 * Runs `work` in one transaction with an event log, then emits what it logged. On
 * PostgreSQL the log's lock is taken first, so every writer takes locks in one order.
 */
export async function writeWithEvents<T>(
  store: Store,
  bus: DomainEvents,
  work: (tx: Repositories, log: EventLog) => Promise<T>,
): Promise<T> {
  const now = Date.now();
  let log: EventLog | undefined;
  const result = await store.transaction(async (tx) => {
    await tx.events.lockForAppend();
    log = new EventLog(tx, now);
    return work(tx, log);
  });
  if (log && log.committed.length > 0) bus.emit("chat.events", log.committed);
  return result;
}
