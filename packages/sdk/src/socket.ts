/**
 * ChatSocket: one logical connection to /socket that survives network drops. It
 * reconnects with jittered backoff, resumes with `sync` from the last cursor it saw, and
 * keeps unacknowledged sends in an outbox that it re-sends with the same client_id, so
 * a flaky network neither loses nor doubles a message.
 */
import type { MessageView } from "@private-chat/protocol/chat";
import {
  type AckFrame,
  CLOSE_CODES,
  type ClientFrame,
  closeAdvice,
  decodeServerFrame,
  type ErrorFrame,
  encodeClientFrame,
  type ReadyFrame,
  retryAfterOf,
  type SyncedFrame,
} from "@private-chat/protocol/frames";
import { backoffDelay, DEFAULT_BACKOFF } from "./backoff.js";
import { Emitter } from "./emitter.js";
import { Outbox } from "./outbox.js";
import { sendFrameOf } from "./outbox-frame.js";
import { RecentCursors } from "./recent-cursors.js";
import type {
  ChatSocketEvents,
  ChatSocketOptions,
  ConnectionState,
  MinimalWebSocket,
  OutboxEntry,
  SendOptions,
  WebSocketFactory,
} from "./socket-types.js";

export type {
  ChatSocketEvents,
  ChatSocketOptions,
  ConnectionState,
  MinimalWebSocket,
  OutboxEntry,
  SendOptions,
  WebSocketFactory,
} from "./socket-types.js";

const OPEN = 1;
// A client-side close of a socket that stopped answering.
const NO_PONG = CLOSE_CODES.noPong;

export function socketUrl(baseUrl: string): string {
  const page = (globalThis as { location?: { origin: string } }).location;
  const origin = baseUrl === "" ? (page?.origin ?? "") : baseUrl.replace(/\/+$/, "");
  return `${origin.replace(/^http/, "ws")}/socket`;
}

export class ChatSocket extends Emitter<ChatSocketEvents> {
  private ws: MinimalWebSocket | undefined;
  private stateValue: ConnectionState = "idle";
  private cursorValue: number | undefined;
  private attempt = 0;
  private reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  private pingTimer: ReturnType<typeof setInterval> | undefined;
  private pongTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly outbox = new Outbox((entry) => this.sendFrame(sendFrameOf(entry)));
  private seen = new RecentCursors();
  /** The last connection's cursor had expired: say so when the fresh one is ready. */
  private expiredPending = false;
  private readonly WebSocketImpl: WebSocketFactory;
  private focused = true;

  constructor(private readonly options: ChatSocketOptions) {
    super();
    this.cursorValue = options.cursor;
    const impl = options.WebSocket ?? (globalThis as { WebSocket?: WebSocketFactory }).WebSocket;
    if (!impl) throw new Error("no WebSocket implementation: pass options.WebSocket");
    this.WebSocketImpl = impl;
  }

  get state(): ConnectionState {
    return this.stateValue;
  }

  get cursor(): number | undefined {
    return this.cursorValue;
  }

  /** Sends not yet acknowledged, oldest first. */
  pending(): OutboxEntry[] {
    return this.outbox.entries();
  }

  connect(): void {
    if (
      this.stateValue !== "idle" &&
      this.stateValue !== "closed" &&
      this.stateValue !== "unauthorized"
    )
      return;
    this.open("connect");
  }

  /** Skips the backoff wait, e.g. when the browser says it is online again. */
  reconnectNow(): void {
    if (this.stateValue !== "reconnecting") return;
    clearTimeout(this.reconnectTimer);
    this.open("reconnect requested");
  }

  close(): void {
    clearTimeout(this.reconnectTimer);
    this.stopPing();
    this.setState("closed", "closed by the client");
    const ws = this.ws;
    this.ws = undefined;
    ws?.close(CLOSE_CODES.normal, "bye");
  }

  /** Sends a message; resolves with the stored message once the server has committed it. */
  send(conversationId: string, body: string, options: SendOptions = {}): Promise<MessageView> {
    return this.outbox.add(conversationId, body, options);
  }

  /** Drops an unacknowledged send from the outbox (its promise rejects). */
  cancel(clientId: string): void {
    this.outbox.cancel(clientId);
  }

  typing(conversationId: string): void {
    this.sendFrame({ type: "typing", conversation_id: conversationId });
  }

  read(conversationId: string, seq: number): void {
    this.sendFrame({ type: "read", conversation_id: conversationId, seq });
  }

  /**
   * Whether the person is looking at this client (a web page sends false when hidden).
   * While no socket of theirs is active, the server sends Web Push for new messages. Kept
   * across reconnects: a new socket starts active and is told at once when it is not.
   */
  focus(active: boolean): void {
    if (this.focused === active) return;
    this.focused = active;
    this.sendFrame({ type: "focus", active });
  }

  private sendFrame(frame: ClientFrame): boolean {
    if (this.stateValue !== "open" || this.ws?.readyState !== OPEN) return false;
    this.ws.send(encodeClientFrame(frame));
    return true;
  }

  private setState(state: ConnectionState, reason: string): void {
    if (this.stateValue === state) return;
    this.stateValue = state;
    this.emit("state", { state, reason });
  }

  private open(reason: string): void {
    const token = this.options.token();
    if (!token) {
      this.setState("unauthorized", "no token");
      return;
    }
    this.setState("connecting", reason);
    // With a cursor, the server replays what we missed before sending anything live.
    const resume = this.cursorValue === undefined ? "" : `?since=${this.cursorValue}`;
    const ws = new this.WebSocketImpl(`${socketUrl(this.options.baseUrl)}${resume}`, [
      "chat.v1",
      `bearer.${token}`,
    ]);
    this.ws = ws;
    ws.onmessage = (event) => {
      if (this.ws === ws) this.receive(String(event.data));
    };
    ws.onclose = (event) => {
      if (this.ws === ws) this.dropped(event.code, event.reason);
    };
    ws.onerror = () => {
      // onclose follows and decides what to do.
    };
  }

  private dropped(code: number, reason: string): void {
    this.ws = undefined;
    this.stopPing();
    if (this.stateValue === "closed") return;
    const advice = closeAdvice(code);
    if (advice.reauthenticate || !advice.reconnect) {
      this.setState(advice.reauthenticate ? "unauthorized" : "closed", reason || advice.meaning);
      return;
    }
    // A busy node names when to come back (already spread at random over its clients);
    // otherwise a close an immediate retry would only repeat (too many sockets open) waits
    // at least the catalogue's delay, and the backoff's jitter on top keeps many tabs from
    // returning together.
    const told = retryAfterOf(reason);
    const backoff = backoffDelay(this.attempt++, this.options.backoff ?? DEFAULT_BACKOFF);
    const delay =
      told !== undefined
        ? Math.max(told, advice.minReconnectDelayMs ?? 0)
        : (advice.minReconnectDelayMs ?? 0) + backoff;
    this.setState("reconnecting", `connection lost (${code}${reason ? `: ${reason}` : ""})`);
    this.reconnectTimer = setTimeout(() => this.open("reconnect"), delay);
  }

  /** Moves the resume cursor forward: every event up to it has been handled. */
  private advance(cursor: number): void {
    if (this.cursorValue !== undefined && cursor <= this.cursorValue) return;
    this.cursorValue = cursor;
    this.options.onCursor?.(cursor);
  }

  /**
   * Whether an event is new to us. While syncing, live events (sent between `ready` and
   * our `sync`) can arrive before older replayed ones, so the cursor only moves at
   * `synced`, and a set of recent cursors catches the replayed copies.
   */
  private firstSighting(cursor: number): boolean {
    if (this.cursorValue !== undefined && cursor <= this.cursorValue) return false;
    if (!this.seen.add(cursor)) return false;
    if (this.stateValue === "open") this.advance(cursor);
    return true;
  }

  private receive(text: string): void {
    const decoded = decodeServerFrame(text);
    if (!decoded.ok) {
      // A frame type from a newer server is skipped; a broken frame is reported.
      this.emit("invalid_frame", {
        type: decoded.type,
        unknownType: decoded.unknownType,
        problem: decoded.problem,
      });
      return;
    }
    const frame = decoded.frame;
    switch (frame.type) {
      case "ready":
        this.onReady(frame);
        return;
      case "synced":
        this.onSynced(frame);
        return;
      case "ack":
        this.onAck(frame);
        return;
      case "error":
        this.failed(frame);
        return;
      case "pong":
        clearTimeout(this.pongTimer);
        return;
      case "typing":
        this.emit("typing", { conversation_id: frame.conversation_id, user_id: frame.user_id });
        return;
      case "presence": {
        const { user_id, status, last_seen_at } = frame;
        this.emit("presence", { user_id, status, last_seen_at });
        return;
      }
      default:
        if (this.firstSighting(frame.cursor)) this.emit("event", frame);
    }
  }

  private onReady(ready: ReadyFrame): void {
    this.attempt = 0;
    this.startPing();
    if (!this.focused) this.ws?.send(encodeClientFrame({ type: "focus", active: false }));
    if (this.expiredPending) {
      this.expiredPending = false;
      this.emit("expired", { cursor: ready.cursor });
    }
    this.emit("ready", { user: ready.user, cursor: ready.cursor });
    if (this.cursorValue === undefined) {
      this.advance(ready.cursor);
      this.becameOpen("ready");
    } else {
      // The replay asked for in the URL follows, ended by a `synced` frame.
      this.setState("syncing", "catching up");
    }
  }

  private onSynced(synced: SyncedFrame): void {
    this.advance(synced.cursor);
    if (synced.has_more) {
      this.ws?.send(encodeClientFrame({ type: "sync", since: this.cursorValue ?? synced.cursor }));
      return;
    }
    this.emit("synced", { cursor: this.cursorValue ?? synced.cursor });
    this.becameOpen("caught up");
  }

  private onAck(ack: AckFrame): void {
    if (this.stateValue === "open") this.advance(ack.cursor);
    const clientId = this.outbox.acked(ack);
    if (clientId !== undefined) this.emit("ack", { clientId, message: ack.message });
  }

  /** An error frame: an expired cursor starts afresh; a send's refusal goes to the outbox. */
  private failed(error: ErrorFrame): void {
    if (error.code === "cursor_expired") {
      this.startAfresh();
      return;
    }
    if (!this.outbox.refused(error))
      this.emit("error", { code: error.code, message: error.message });
  }

  private becameOpen(reason: string): void {
    this.setState("open", reason);
    this.outbox.resendAll();
  }

  private startPing(): void {
    this.stopPing();
    const interval = this.options.pingIntervalMs ?? 25_000;
    const timeout = this.options.pongTimeoutMs ?? 10_000;
    this.pingTimer = setInterval(() => {
      if (this.ws?.readyState !== OPEN) return;
      this.ws.send(encodeClientFrame({ type: "ping" }));
      clearTimeout(this.pongTimer);
      this.pongTimer = setTimeout(() => this.abandon("no pong"), timeout);
    }, interval);
  }

  /** Gives up on a socket that stopped answering, without waiting for a close handshake. */
  private abandon(reason: string): void {
    const ws = this.ws;
    if (!ws) return;
    this.ws = undefined;
    ws.onclose = null;
    ws.onmessage = null;
    try {
      ws.close(NO_PONG, reason);
    } catch {
      // already closing
    }
    this.dropped(NO_PONG, reason);
  }

  /**
   * Treats the connection as lost now (e.g. the browser went offline). With
   * `waitForOnline`, no reconnect is attempted until reconnectNow() is called.
   */
  disconnectNow(reason = "offline", options: { waitForOnline?: boolean } = {}): void {
    if (this.ws) this.abandon(reason);
    if (options.waitForOnline && this.stateValue === "reconnecting")
      clearTimeout(this.reconnectTimer);
  }

  /**
   * The server's event log no longer reaches back to our cursor: connect again without
   * one, from the newest cursor, and tell the application (`expired`) once that connection
   * is ready, so it reloads what it built from events. Unacknowledged sends go again then.
   */
  private startAfresh(): void {
    this.cursorValue = undefined;
    this.seen = new RecentCursors();
    this.expiredPending = true;
    this.stopPing();
    const ws = this.ws;
    this.ws = undefined;
    ws?.close(CLOSE_CODES.normal, "cursor expired");
    this.open("cursor expired");
  }

  private stopPing(): void {
    clearInterval(this.pingTimer);
    clearTimeout(this.pongTimer);
  }
}
