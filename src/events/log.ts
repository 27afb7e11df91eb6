/**
 * Writes chat events inside a transaction and announces them only after it commits, so
 * nothing is delivered (or acked) that the database does not hold.
 */

import type { MessageView } from "../protocol/chat.js";
import type { ChatEvent } from "../protocol/frames.js";
import type { Repositories, Store } from "../storage/store.js";
import type { CommittedEvent, DomainEvents } from "./bus.js";

/** A socket request waiting for its ack. */
export interface Origin {
  socketId: string;
  requestId: string | number;
}

export interface AppendOptions {
  /** Only this user may see the event. */
  userId?: string;
  membership?: CommittedEvent["membership"];
  origin?: Origin & { message: MessageView };
}

/** The socket frame of a logged event: its stored payload with the cursor added. */
export function frameWithCursor(payload: string, cursor: number): string {
  return `${payload.slice(0, -1)},"cursor":${cursor}}`;
}

export function ackFrame(requestId: string | number, message: MessageView, cursor: number): string {
  return JSON.stringify({ type: "ack", id: requestId, message, cursor });
}

export class EventLog {
  readonly committed: CommittedEvent[] = [];

  constructor(
    private readonly tx: Repositories,
    private readonly now: number,
  ) {}

  async append(event: ChatEvent, options: AppendOptions = {}): Promise<number> {
    const payload = JSON.stringify(event);
    const cursor = await this.tx.events.append({
      conversationId: event.conversation_id,
      userId: options.userId ?? null,
      type: event.type,
      payload,
      now: this.now,
    });
    const committed: CommittedEvent = {
      cursor,
      conversationId: event.conversation_id,
      userId: options.userId ?? null,
      type: event.type,
      frame: frameWithCursor(payload, cursor),
    };
    if (options.membership) committed.membership = options.membership;
    if (options.origin) {
      const { socketId, requestId, message } = options.origin;
      committed.origin = {
        socketId,
        requestId,
        ack: ackFrame(requestId, message, cursor),
      };
    }
    this.committed.push(committed);
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
