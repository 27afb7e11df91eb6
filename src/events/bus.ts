/**
 * Domain events raised by services after their work commits. Listeners (socket fan-out,
 * metrics, later the cross-node relay) subscribe here instead of being called from the
 * middle of a database write.
 */
import { EventEmitter } from "node:events";
import type { ChatEvent, ChatEventType } from "@private-chat/protocol/frames";
import type { RelationChange } from "../realtime/relations.js";

/** Where an event's cause came from: a socket request, which gets an ack for it. */
export interface EventOrigin {
  node_id: string;
  socket_id: string;
  request_id: string | number;
}

/**
 * A committed event of the log: the facts, nothing of any socket frame. The realtime
 * layer (src/realtime/frames.ts) turns it into frames.
 */
export interface CommittedEvent {
  cursor: number;
  conversationId: string | null;
  /** Set when only this user may see the event. */
  userId: string | null;
  type: ChatEventType;
  event: ChatEvent;
  /**
   * The event as the log stores it (JSON, without the cursor), when this node has it:
   * what was serialised for the log is not serialised again. Never crosses nodes.
   */
  logged?: string;
  /** Membership change carried by the event, so fan-out can update its rooms. */
  membership?: { userIds: string[]; action: "joined" | "left" };
  origin?: EventOrigin;
}

export interface DomainEventMap {
  /** Events committed to the log, in cursor order. */
  "chat.events": CommittedEvent[];
  /** Sessions that stopped being valid: their sockets must close with 4401. */
  "sessions.revoked": { userId: string; sessionIds: string[] | "all" };
  /** A user was disabled: every socket of theirs closes. */
  "user.disabled": { userId: string };
  /** A block or a declined request: every node's real-time filters must learn it. */
  "relations.changed": RelationChange;
}

export type DomainEventName = keyof DomainEventMap;

export class DomainEvents {
  private readonly emitter = new EventEmitter();

  constructor() {
    this.emitter.setMaxListeners(100);
  }

  emit<K extends DomainEventName>(name: K, event: DomainEventMap[K]): void {
    this.emitter.emit(name, event);
  }

  on<K extends DomainEventName>(name: K, listener: (event: DomainEventMap[K]) => void): () => void {
    this.emitter.on(name, listener);
    return () => this.emitter.off(name, listener);
  }
}
