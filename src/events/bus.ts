/**
 * Domain events raised by services after their work commits. Listeners (socket fan-out,
 * metrics, later the cross-node relay) subscribe here instead of being called from the
 * middle of a database write.
 */
import { EventEmitter } from "node:events";

export interface DomainEventMap {
  /** Sessions that stopped being valid: their sockets must close with 4401. */
  "sessions.revoked": { userId: string; sessionIds: string[] | "all" };
  /** A user was disabled: every socket of theirs closes. */
  "user.disabled": { userId: string };
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
