/**
 * The sockets this process holds, indexed by user and by conversation ("rooms"), and the
 * fan-out of real-time messages to them. Each event is serialised once and the same
 * string is written to every recipient.
 */

import { CLOSE_CODES } from "@private-chat/protocol/frames";
import type { WebSocket } from "ws";
import { presentUser } from "../auth/present.js";
import type { Authenticated } from "../auth/service.js";
import type { CommittedEvent } from "../events/bus.js";
import { committedFromLog } from "../events/from-log.js";
import { hydrate } from "../events/hydrate.js";
import type { Metrics } from "../ops/metrics.js";
import type { Store } from "../storage/store.js";
import type { SyncService } from "../sync/service.js";
import { Attention } from "./attention.js";
import { catchUp } from "./catch-up.js";
import { Connection, type ConnectionLimits, DEFAULT_LIMITS } from "./connection.js";
import { flatUuid } from "./flat-uuid.js";
import { eventFrame, readyFrame, typingFrame } from "./frames.js";
import { Presence } from "./presence.js";
import { PresenceRooms } from "./presence-rooms.js";
import type { PubSub, RealtimeMessage } from "./pubsub.js";
import { Relations } from "./relations.js";
import { Sequencer } from "./sequencer.js";
import { addTo, removeFrom } from "./set-map.js";

const HEARTBEAT_MS = 30_000;
const TYPING_INTERVAL_MS = 2_000;
// Open sockets' sessions are checked against the database at least this often.
const RECHECK_MS = 5_000;
// Blocks and requests are reloaded this often, in case a change missed this node.
const RELATIONS_RELOAD_MS = 60_000;

export interface HubDeps {
  /** This process's id in the cluster. */
  nodeId: string;
  /** How often to check the event log for events that never arrived (0: never). */
  pollMs?: number;
  /** How often to recheck open sockets' sessions (default 5 s). */
  recheckMs?: number;
  store: Store;
  sync: SyncService;
  pubsub: PubSub;
  metrics: Metrics;
  limits?: Partial<ConnectionLimits>;
  heartbeatMs?: number;
  onError?: (err: unknown, context: string) => void;
}

export class Hub {
  private readonly connections = new Map<string, Connection>();
  private readonly byUser = new Map<string, Set<Connection>>();
  private readonly rooms = new Map<string, Set<Connection>>();
  private readonly typingSentAt = new Map<string, number>();
  private readonly limits: ConnectionLimits;
  private heartbeat: NodeJS.Timeout | undefined;
  private recheck: NodeJS.Timeout | undefined;
  private reload: NodeJS.Timeout | undefined;
  /** Blocks and requests: who may not see whose presence, typing and events. */
  readonly relations = new Relations();
  private unsubscribe: (() => void) | undefined;
  private readonly presence: Presence;
  private readonly presenceRooms: PresenceRooms;
  private readonly attention: Attention;
  private readonly sequencer: Sequencer;
  private readonly countSlowConsumer = () => this.deps.metrics.slowConsumers.inc();

  constructor(private readonly deps: HubDeps) {
    this.limits = { ...DEFAULT_LIMITS, ...deps.limits };
    this.presence = new Presence({
      nodeId: deps.nodeId,
      pubsub: deps.pubsub,
      tell: (userId, rooms, frame) => this.tellRooms(userId, rooms, frame),
    });
    this.presenceRooms = new PresenceRooms((ids) => deps.store.conversations.memberCounts(ids));
    this.attention = new Attention(deps.nodeId, deps.pubsub);
    this.sequencer = new Sequencer({
      readRange: async (from, to) =>
        (await hydrate(deps.store, await deps.store.events.range(from, to))).map(committedFromLog),
      latestCursor: () => deps.store.events.latestId(),
      release: (event) => this.fanOut(event),
      onError: (err) => deps.onError?.(err, "event sequencer"),
      pollMs: deps.pollMs ?? 0,
    });
  }

  /** Starts listening: events from here on are delivered live, in cursor order. */
  async start(): Promise<void> {
    await this.relations.load(this.deps.store);
    await this.sequencer.start();
    // Again: a change made while the sequencer started is in the log before its cursor.
    await this.relations.load(this.deps.store);
    this.unsubscribe = this.deps.pubsub.subscribe((message) => this.receive(message));
    this.presence.start();
    this.attention.start();
    this.heartbeat = setInterval(() => this.beat(), this.deps.heartbeatMs ?? HEARTBEAT_MS);
    this.heartbeat.unref();
    this.recheck = setInterval(
      () => void this.recheckSessions(),
      this.deps.recheckMs ?? RECHECK_MS,
    );
    this.recheck.unref();
    this.reload = setInterval(
      () =>
        void this.relations
          .load(this.deps.store)
          .catch((err: unknown) => this.deps.onError?.(err, "relations reload")),
      RELATIONS_RELOAD_MS,
    );
    this.reload.unref();
  }

  /**
   * Closes sockets whose session ended without an event reaching this node: revoked by
   * another process (the admin CLI), expired, or whose user was disabled.
   */
  async recheckSessions(): Promise<void> {
    if (this.connections.size === 0) return;
    const bySession = new Map<string, Connection[]>();
    const now = Date.now();
    for (const connection of this.connections.values()) {
      // Expiry is checked here rather than with a timer per socket, which would cost
      // every idle socket memory for something this sweep already does.
      if (connection.expiresAt <= now) {
        connection.close(CLOSE_CODES.authentication, "token expired");
        continue;
      }
      const list = bySession.get(connection.sessionId) ?? [];
      list.push(connection);
      bySession.set(connection.sessionId, list);
    }
    try {
      const ended = await this.deps.store.sessions.endedAmong([...bySession.keys()], Date.now());
      for (const id of ended) {
        for (const connection of bySession.get(id) ?? [])
          connection.close(CLOSE_CODES.authentication, "session ended");
      }
    } catch (err) {
      this.deps.onError?.(err, "session recheck");
    }
  }

  get size(): number {
    return this.connections.size;
  }

  /** This process's id in the cluster. */
  get nodeId(): string {
    return this.deps.nodeId;
  }

  /** Online anywhere in the cluster. */
  isOnline(userId: string): boolean {
    return this.presence.isOnline(userId);
  }

  /** Has a socket anywhere in the cluster that the person is looking at. */
  isActive(userId: string): boolean {
    return this.attention.isActive(userId);
  }

  /** Was active at `at`: active now, or stopped being active since. */
  wasActiveAt(userId: string, at: number): boolean {
    return this.attention.wasActiveAt(userId, at);
  }

  /** A `focus` frame: whether the person is looking at this socket's client. */
  setFocus(connection: Connection, active: boolean): void {
    if (connection.active === active) return;
    connection.active = active;
    if (!connection.ready || !this.connections.has(connection.id)) return;
    if (active) this.attention.activated(connection.user.id);
    else this.attention.deactivated(connection.user.id);
  }

  /**
   * Takes over an authenticated socket: rooms, ready frame, presence, expiry. With a
   * resume cursor (`since`), the missed events are replayed before anything live.
   */
  async accept(ws: WebSocket, auth: Authenticated, since?: number): Promise<Connection> {
    const connection = new Connection(
      flatUuid(),
      ws,
      auth.user,
      auth.session.id,
      auth.session.expiresAt,
      auth.session.scopes,
      this.limits,
      this.countSlowConsumer,
    );
    this.connections.set(connection.id, connection);
    addTo(this.byUser, auth.user.id, connection);
    this.deps.metrics.socketConnections.set(this.connections.size);
    ws.on("pong", () => {
      connection.alive = true;
    });
    // on, not once: 'close' comes once, and once's wrapper would stay for the socket's life.
    ws.on("close", () => this.release(connection));

    // Events raised while the rooms load are held by the connection (it starts catching
    // up), and those past the ready cursor are sent right after the ready frame.
    const conversationIds = await this.deps.store.conversations.conversationIdsOf(auth.user.id);
    await this.presenceRooms.refresh(conversationIds);
    if (!this.connections.has(connection.id)) return connection;
    for (const id of conversationIds) this.join(connection, id);
    const cursor = await this.deps.store.events.latestId();
    if (!this.connections.has(connection.id)) return connection;
    connection.send(readyFrame(presentUser(auth.user), cursor, auth.session.id));
    if (since === undefined) connection.endCatchUp(cursor, true);
    else await catchUp(connection, this.deps.sync, since);
    connection.ready = true;
    this.presence.socketOpened(auth.user.id, conversationIds);
    if (connection.active) this.attention.activated(auth.user.id);
    return connection;
  }

  private release(connection: Connection): void {
    if (!this.connections.delete(connection.id)) return;
    this.deps.metrics.socketConnections.set(this.connections.size);
    removeFrom(this.byUser, connection.user.id, connection);
    const rooms = [...connection.rooms];
    for (const room of rooms) removeFrom(this.rooms, room, connection);
    if (connection.ready) {
      const now = Date.now();
      this.presence.socketClosed(connection.user.id, rooms, now);
      if (connection.active) this.attention.deactivated(connection.user.id);
      if (!this.byUser.has(connection.user.id)) {
        this.deps.store.users
          .touchLastSeen(connection.user.id, now)
          .catch((err: unknown) => this.deps.onError?.(err, "last seen"));
      }
    }
  }

  /**
   * Writes a presence frame once to each local socket sharing one of `rooms`, but the
   * user's own. A request is no shared room, nor is a large group (presence-rooms.ts),
   * and nothing passes a block either way.
   */
  private tellRooms(userId: string, rooms: string[], frame: string): void {
    const told = new Set<Connection>();
    for (const room of rooms) {
      if (this.relations.isRequest(room) || !this.presenceRooms.carries(room)) continue;
      for (const connection of this.rooms.get(room) ?? []) {
        if (connection.user.id === userId || told.has(connection)) continue;
        if (this.relations.eitherBlocked(userId, connection.user.id)) continue;
        told.add(connection);
        connection.send(frame);
      }
    }
  }

  private join(connection: Connection, conversationId: string): void {
    connection.rooms.add(conversationId);
    addTo(this.rooms, conversationId, connection);
  }

  private leave(connection: Connection, conversationId: string): void {
    connection.rooms.delete(conversationId);
    removeFrom(this.rooms, conversationId, connection);
  }

  /** Relays a typing notice, at most one per user and conversation every 2 s. */
  typing(connection: Connection, conversationId: string): void {
    const key = `${connection.user.id}:${conversationId}`;
    const now = Date.now();
    if (now - (this.typingSentAt.get(key) ?? 0) < TYPING_INTERVAL_MS) return;
    this.typingSentAt.set(key, now);
    if (this.typingSentAt.size > 50_000) this.pruneTyping(now);
    this.deps.pubsub.publish({ kind: "typing", conversationId, userId: connection.user.id });
  }

  private pruneTyping(now: number): void {
    for (const [key, at] of this.typingSentAt)
      if (now - at >= TYPING_INTERVAL_MS) this.typingSentAt.delete(key);
  }

  private receive(message: RealtimeMessage): void {
    switch (message.kind) {
      case "events":
        this.sequencer.push(message.events);
        return;
      case "typing": {
        // Nobody learns that the other types in a request, nor across a block.
        if (this.relations.isRequest(message.conversationId)) return;
        const frame = typingFrame(message.conversationId, message.userId);
        for (const connection of this.rooms.get(message.conversationId) ?? []) {
          if (connection.user.id === message.userId) continue;
          if (this.relations.eitherBlocked(message.userId, connection.user.id)) continue;
          connection.send(frame);
        }
        return;
      }
      case "relations":
        this.relations.apply(message.change);
        return;
      case "presence":
      case "node":
        this.presence.receive(message);
        return;
      case "attention":
        this.attention.receive(message);
        return;
      case "revoke":
        for (const connection of [...(this.byUser.get(message.userId) ?? [])]) {
          if (message.sessionIds === "all" || message.sessionIds.includes(connection.sessionId)) {
            connection.close(CLOSE_CODES.authentication, message.reason);
          }
        }
        return;
    }
  }

  private fanOut(event: CommittedEvent): void {
    const { membership, conversationId } = event;
    this.relations.observe(event);
    if (membership?.action === "joined" && conversationId) {
      for (const userId of membership.userIds) {
        for (const connection of this.byUser.get(userId) ?? [])
          this.join(connection, conversationId);
      }
    }
    // Serialised once, whatever the number of recipients.
    const frame = eventFrame(event);
    if (event.userId !== null) {
      // A declined request's events (its mentions too) stay away from the one who declined.
      if (conversationId && this.relations.declinedBy(conversationId, event.userId)) return;
      for (const connection of this.byUser.get(event.userId) ?? [])
        connection.deliver(event, frame);
    } else if (conversationId) {
      const leaving = membership?.action === "left" ? new Set(membership.userIds) : undefined;
      for (const connection of this.rooms.get(conversationId) ?? []) {
        if (leaving?.has(connection.user.id)) continue;
        // The socket that caused an event still gets its ack in the event's place.
        const own = event.origin?.socket_id === connection.id;
        if (!own && this.relations.declinedBy(conversationId, connection.user.id)) continue;
        connection.deliver(event, frame);
      }
    }
    if (membership?.action === "left" && conversationId) {
      for (const userId of membership.userIds) {
        for (const connection of this.byUser.get(userId) ?? [])
          this.leave(connection, conversationId);
      }
    }
  }

  private beat(): void {
    for (const connection of this.connections.values()) {
      if (!connection.alive) {
        connection.ws.terminate();
        continue;
      }
      connection.alive = false;
      try {
        connection.ws.ping();
      } catch {
        connection.ws.terminate();
      }
    }
  }

  /** Closes every socket with 1001 (going away), as on shutdown. */
  async close(): Promise<void> {
    clearInterval(this.heartbeat);
    clearInterval(this.recheck);
    clearInterval(this.reload);
    this.sequencer.stop();
    this.presence.stop();
    this.attention.stop();
    this.unsubscribe?.();
    const closing = [...this.connections.values()].map(
      (connection) =>
        new Promise<void>((resolve) => {
          if (!connection.open) return resolve();
          const timer = setTimeout(() => {
            connection.ws.terminate();
            resolve();
          }, 2000);
          connection.ws.once("close", () => {
            clearTimeout(timer);
            resolve();
          });
          connection.close(CLOSE_CODES.goingAway, "server shutting down");
        }),
    );
    await Promise.all(closing);
  }
}
