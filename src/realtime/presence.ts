/**
 * Who is online, cluster-wide: a user is online while any node holds a socket of theirs.
 * Each node announces its own users' comings and goings; the others keep a copy, drop a
 * node's users when it stops sending heartbeats, and tell their local sockets only when
 * the cluster-wide answer changes.
 */

import { presenceFrame } from "./frames.js";
import type { PubSub, RealtimeMessage } from "./pubsub.js";

const HEARTBEAT_MS = 5_000;
const NODE_TIMEOUT_MS = 15_000;

type PresenceMessage = Extract<RealtimeMessage, { kind: "presence" | "node" }>;

export interface PresenceDeps {
  nodeId: string;
  pubsub: PubSub;
  /** Writes a presence frame to the local sockets that share one of `rooms` with the user. */
  tell(userId: string, rooms: string[], frame: string): void;
}

export class Presence {
  private readonly local = new Map<string, number>();
  /** userId -> node -> that user's conversations, for nodes other than this one. */
  private readonly remote = new Map<string, Map<string, string[]>>();
  private readonly heardFrom = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly deps: PresenceDeps) {}

  isOnline(userId: string): boolean {
    return this.local.has(userId) || this.remote.has(userId);
  }

  start(): void {
    this.deps.pubsub.publish({
      kind: "node",
      node: this.deps.nodeId,
      state: "hello",
      users: this.localUsers(),
    });
    this.timer = setInterval(() => this.beat(), HEARTBEAT_MS);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.deps.pubsub.publish({ kind: "node", node: this.deps.nodeId, state: "down", users: [] });
  }

  /** A socket of `userId` opened on this node. */
  socketOpened(userId: string, rooms: string[]): void {
    const wasOnline = this.isOnline(userId);
    const count = (this.local.get(userId) ?? 0) + 1;
    this.local.set(userId, count);
    if (count > 1) return;
    this.announce(userId, true, rooms, null);
    if (!wasOnline) this.deps.tell(userId, rooms, presenceFrame(userId, true, null));
  }

  /** A socket of `userId` closed on this node. */
  socketClosed(userId: string, rooms: string[], lastSeenAt: number): void {
    const count = (this.local.get(userId) ?? 1) - 1;
    if (count > 0) {
      this.local.set(userId, count);
      return;
    }
    this.local.delete(userId);
    this.announce(userId, false, rooms, lastSeenAt);
    if (!this.isOnline(userId))
      this.deps.tell(userId, rooms, presenceFrame(userId, false, lastSeenAt));
  }

  receive(message: PresenceMessage): void {
    if (message.node === this.deps.nodeId) return;
    this.heardFrom.set(message.node, Date.now());
    if (message.kind === "presence") {
      this.applyRemote(
        message.node,
        message.userId,
        message.online,
        message.conversationIds,
        message.lastSeenAt,
      );
      return;
    }
    switch (message.state) {
      case "hello":
        // A node just started: tell it who is here, and learn who is there.
        this.deps.pubsub.publish({
          kind: "node",
          node: this.deps.nodeId,
          state: "alive",
          users: this.localUsers(),
        });
        this.learn(message.node, message.users);
        return;
      case "alive":
        this.learn(message.node, message.users);
        return;
      case "down":
        this.forgetNode(message.node);
        return;
    }
  }

  private localUsers(): { userId: string; rooms: string[] }[] {
    return [...this.local.keys()].map((userId) => ({ userId, rooms: [] }));
  }

  private learn(node: string, users: { userId: string; rooms: string[] }[]): void {
    for (const { userId, rooms } of users) {
      if (!this.remote.get(userId)?.has(node)) this.applyRemote(node, userId, true, rooms, null);
    }
  }

  private applyRemote(
    node: string,
    userId: string,
    online: boolean,
    rooms: string[],
    lastSeenAt: number | null,
  ): void {
    const wasOnline = this.isOnline(userId);
    const nodes = this.remote.get(userId) ?? new Map<string, string[]>();
    if (online) nodes.set(node, rooms);
    else nodes.delete(node);
    if (nodes.size > 0) this.remote.set(userId, nodes);
    else this.remote.delete(userId);
    const isOnline = this.isOnline(userId);
    if (wasOnline !== isOnline)
      this.deps.tell(
        userId,
        rooms,
        presenceFrame(userId, isOnline, isOnline ? null : (lastSeenAt ?? Date.now())),
      );
  }

  private forgetNode(node: string): void {
    this.heardFrom.delete(node);
    for (const [userId, nodes] of [...this.remote]) {
      const rooms = nodes.get(node);
      if (rooms) this.applyRemote(node, userId, false, rooms, Date.now());
    }
  }

  private beat(): void {
    this.deps.pubsub.publish({ kind: "node", node: this.deps.nodeId, state: "alive", users: [] });
    const now = Date.now();
    for (const [node, at] of [...this.heardFrom])
      if (now - at > NODE_TIMEOUT_MS) this.forgetNode(node);
  }

  private announce(
    userId: string,
    online: boolean,
    rooms: string[],
    lastSeenAt: number | null,
  ): void {
    this.deps.pubsub.publish({
      kind: "presence",
      node: this.deps.nodeId,
      userId,
      online,
      conversationIds: rooms,
      lastSeenAt,
    });
  }
}
