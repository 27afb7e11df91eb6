/**
 * One open socket: who it belongs to, which conversations it hears, the last cursor it
 * was sent, and a bounded outbound queue. While it catches up (on connect or on a
 * `sync`), live events wait in a small buffer so that nothing arrives out of order.
 */

import type { Duplex } from "node:stream";
import type { ErrorCode } from "@private-chat/protocol/errors";
import { CLOSE_CODES } from "@private-chat/protocol/frames";
import type { TokenScope } from "@private-chat/protocol/tokens";
import type { WebSocket } from "ws";
import type { CommittedEvent } from "../events/bus.js";
import type { User } from "../storage/users.js";
import { ackFrame, errorFrame } from "./frames.js";
import { TokenBucket } from "./token-bucket.js";

export interface ConnectionLimits {
  /** Outbound bytes queued for a socket before it counts as not reading. */
  maxBufferedBytes: number;
  /** Live events held while a socket catches up, before it must sync again instead. */
  maxPendingEvents: number;
  framesPerSecond: number;
  frameBurst: number;
  /** Throttled frames tolerated before the socket is closed for flooding. */
  maxThrottledFrames: number;
}

const THROTTLE_WINDOW_MS = 10_000;

/**
 * Frames sent to one socket in the same synchronous run (a committed batch fanned out:
 * acks and other people's messages) leave in one write instead of one system call each:
 * the TCP socket is corked on its first frame and uncorked once the run is over.
 */
const corked = new Set<Duplex>();

function uncorkAll(): void {
  for (const socket of corked) socket.uncork();
  corked.clear();
}

/** Corks the socket for the rest of this run; true when this frame is the run's first. */
function corkUntilRunEnds(ws: WebSocket): boolean {
  // ws offers no cork of its own; it keeps its TCP socket in `_socket`. Without one,
  // frames simply go out one by one.
  const socket = (ws as unknown as { _socket?: Duplex })._socket;
  if (!socket) return true;
  if (corked.has(socket)) return false;
  if (corked.size === 0) queueMicrotask(uncorkAll);
  socket.cork();
  corked.add(socket);
  return true;
}

export const DEFAULT_LIMITS: ConnectionLimits = {
  maxBufferedBytes: 1024 * 1024,
  maxPendingEvents: 10_000,
  framesPerSecond: 30,
  frameBurst: 60,
  maxThrottledFrames: 200,
};

export class Connection {
  readonly rooms = new Set<string>();
  /** Highest cursor sent on this socket. */
  lastCursor = 0;
  alive = true;
  /** Message sends queued for commit and not yet answered. */
  sendsInFlight = 0;
  /** Set once the ready frame went out and presence counted this socket. */
  ready = false;
  /** The person is looking at this client (until a `focus` frame says otherwise). */
  active = true;
  private catchingUp = true;
  /** Held events with their frames (made once per event by the fan-out). */
  private pending: [CommittedEvent, string][] = [];
  /** Set when pending overflowed: live events are dropped until the client syncs. */
  private behind = false;
  // Created on the first send: most sockets are idle most of the time.
  private awaitingAck: Set<string | number> | undefined;
  private readonly bucket: TokenBucket;
  private throttled = 0;
  private throttleWindowStart = 0;

  constructor(
    readonly id: string,
    readonly ws: WebSocket,
    readonly user: User,
    readonly sessionId: string,
    /** When the token this socket opened with stops being valid (ms since the epoch). */
    readonly expiresAt: number,
    /** The access token's scopes; null for a sign-in (see auth/route-scopes.ts). */
    readonly scopes: readonly TokenScope[] | null,
    private readonly limits: ConnectionLimits,
    private readonly onSlowConsumer: () => void,
  ) {
    this.bucket = new TokenBucket(limits.frameBurst, limits.framesPerSecond);
  }

  /**
   * What one replay page may hold, and what may still be unsent before the next one:
   * half the buffer limit each, so a replay plus its `synced` frame stays under it.
   */
  get replayBudgetBytes(): number {
    return Math.floor(this.limits.maxBufferedBytes / 2);
  }

  get open(): boolean {
    return this.ws.readyState === this.ws.OPEN;
  }

  /** Sends a frame, or cuts the socket off if it has stopped reading. */
  send(frame: string): void {
    if (!this.open) return;
    // Judged on the first frame of a run, by what earlier runs left unsent: the frames of
    // this run are still held by the cork, so a run (one batch, one sync page, bounded)
    // never counts against the socket.
    if (corkUntilRunEnds(this.ws) && this.ws.bufferedAmount > this.limits.maxBufferedBytes) {
      this.onSlowConsumer();
      this.ws.terminate();
      return;
    }
    this.ws.send(frame);
  }

  sendError(code: ErrorCode, message: string, id?: string | number): void {
    this.send(errorFrame(code, message, id));
  }

  close(code: number, reason: string): void {
    if (this.ws.readyState === this.ws.OPEN || this.ws.readyState === this.ws.CONNECTING)
      this.ws.close(code, reason);
  }

  /**
   * Whether another client frame may be handled now. Refusals are counted in fixed
   * 10 s windows; a socket that keeps flooding past the throttle is closed.
   */
  admitFrame(now = Date.now()): boolean {
    if (this.bucket.take(now)) return true;
    if (now - this.throttleWindowStart > THROTTLE_WINDOW_MS) {
      this.throttleWindowStart = now;
      this.throttled = 0;
    }
    this.throttled += 1;
    if (this.throttled > this.limits.maxThrottledFrames) {
      this.close(CLOSE_CODES.policyViolation, "too many frames");
    }
    return false;
  }

  expectAck(requestId: string | number): void {
    this.awaitingAck ??= new Set();
    this.awaitingAck.add(requestId);
  }

  /** True when the ack was not yet sent through the event stream (the caller sends it). */
  takeAck(requestId: string | number): boolean {
    return this.awaitingAck?.delete(requestId) ?? false;
  }

  /** Delivers an event; `frame` is its frame, made once for every recipient. */
  deliver(event: CommittedEvent, frame: string): void {
    if (this.catchingUp) {
      if (this.pending.length >= this.limits.maxPendingEvents) {
        this.pending = [];
        this.behind = true;
      } else if (!this.behind) {
        this.pending.push([event, frame]);
      }
      return;
    }
    if (this.behind) return;
    this.sendEvent(event, frame);
  }

  private sendEvent(event: CommittedEvent, frame: string): void {
    if (event.cursor <= this.lastCursor) return;
    this.lastCursor = event.cursor;
    const origin = event.origin;
    if (origin?.socket_id === this.id) {
      // The sender's own socket gets the ack in the event's place, unless it was already
      // acked directly while this socket was catching up.
      if (this.awaitingAck?.delete(origin.request_id) && event.event.type === "message.new") {
        this.send(ackFrame(origin.request_id, event.event.message, event.cursor));
      }
      return;
    }
    this.send(frame);
  }

  /** Holds live events until catching up ends; a sync also clears the behind state. */
  beginCatchUp(): void {
    this.catchingUp = true;
    this.behind = false;
  }

  /**
   * Ends a catch-up that reached `cursor` and sends the held events past it, in order.
   * Returns true when the socket is still behind (the catch-up stopped short of the
   * head, or too many live events piled up meanwhile): the client must sync again.
   */
  endCatchUp(cursor: number, complete: boolean): boolean {
    this.lastCursor = Math.max(this.lastCursor, cursor);
    const held = this.pending;
    this.pending = [];
    this.catchingUp = false;
    this.behind = this.behind || !complete;
    if (!this.behind) for (const [event, frame] of held) this.sendEvent(event, frame);
    return this.behind;
  }
}
