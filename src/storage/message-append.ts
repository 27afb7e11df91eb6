/**
 * The hot path of chat: storing a batch of plain messages with their `message.new`
 * events in one transaction. Each engine implements it with as few statements as it
 * can (prepared statements run synchronously on SQLite, one statement per step for the
 * whole batch on PostgreSQL), because building and compiling general queries per
 * message cost more than the writes themselves.
 */
import type { MessageRow } from "./messages.js";

export interface AppendRequest {
  conversationId: string;
  senderId: string;
  body: string;
  clientId: string | null;
}

/** What happened to one request of the batch, in request order. */
export type AppendResult =
  | { kind: "stored"; row: MessageRow; cursor: number; payload: string }
  | { kind: "duplicate"; row: MessageRow }
  | { kind: "not_member" };

export interface AppendBatch {
  requests: AppendRequest[];
  now: number;
  /** A fresh message id (time-ordered, so indexes grow at their right edge). */
  newId: () => string;
  /** The stored event's payload for a message, serialised once. */
  eventPayload: (row: MessageRow) => string;
}

export interface MessageAppender {
  append(batch: AppendBatch): Promise<AppendResult[]>;
  /**
   * True when batches handed over while earlier ones are still being stored commit in
   * the order they were handed over, so callers may keep more than one in flight.
   */
  readonly keepsOrder: boolean;
}
