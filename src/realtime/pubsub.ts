/**
 * The channel real-time messages travel on between the services that raise them and the
 * hubs that hold sockets. In one process it is a direct call; across nodes an
 * implementation over Redis delivers locally at once and relays to the other nodes.
 */
import type { CommittedEvent } from "../events/bus.js";
import type { RelationChange } from "./relations.js";

export type RealtimeMessage =
  | { kind: "events"; events: CommittedEvent[] }
  | { kind: "typing"; conversationId: string; userId: string }
  | {
      kind: "presence";
      node: string;
      userId: string;
      online: boolean;
      conversationIds: string[];
      lastSeenAt: number | null;
    }
  | {
      kind: "node";
      node: string;
      state: "hello" | "alive" | "down";
      users: { userId: string; rooms: string[] }[];
    }
  | { kind: "revoke"; userId: string; sessionIds: string[] | "all"; reason: string }
  | {
      kind: "attention";
      node: string;
      /** A change: `userId` now has (or no longer has) an active socket on `node`. */
      userId?: string;
      active?: boolean;
      /** The whole list of `node`'s users with an active socket. */
      users?: string[];
    }
  | { kind: "relations"; change: RelationChange };

export type RealtimeHandler = (message: RealtimeMessage) => void;

export interface PubSub {
  publish(message: RealtimeMessage): void;
  subscribe(handler: RealtimeHandler): () => void;
  close(): Promise<void>;
}

export class LocalPubSub implements PubSub {
  private readonly handlers = new Set<RealtimeHandler>();

  publish(message: RealtimeMessage): void {
    for (const handler of this.handlers) handler(message);
  }

  subscribe(handler: RealtimeHandler): () => void {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }

  async close(): Promise<void> {
    this.handlers.clear();
  }
}
