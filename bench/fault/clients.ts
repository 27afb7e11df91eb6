/**
 * The chat users of a fault run: each one a real SDK ChatSocket (reconnect with backoff,
 * resume from its cursor, outbox re-sent with the same client_id) over a WebSocket that
 * prefers the user's home node and moves to the next node when a connection attempt
 * fails, as a client behind a list of server addresses would. Everything each client
 * sees is recorded for the checker.
 */

import { CLOSE_CODES } from "@private-chat/protocol/close-codes";
import type {
  MessageView,
  MinimalWebSocket,
  StoredEvent,
  WebSocketFactory,
} from "@private-chat/sdk";
import { ChatSocket, type ChatSocketOptions } from "@private-chat/sdk";
import WebSocket from "ws";
import type { Random } from "./prng.js";

export interface Received {
  messageId: string;
  conversationId: string;
  seq: number;
  senderId: string;
  clientId: string | null;
}

export interface SendOutcome {
  clientId: string;
  conversationId: string;
  message?: MessageView;
  error?: string;
}

export interface FaultClient extends ClientStats {
  socket: ChatSocket;
}

/** What one client sent, received and went through. */
export interface ClientStats {
  userId: string;
  /** message.new events in arrival order (live and replayed). */
  received: Received[];
  sends: SendOutcome[];
  /** message.send frames written per client_id: more than one is a re-send. */
  transmissions: Map<string, number>;
  /** Connections opened, and how often the server said "sign in again". */
  connections: number;
  unauthorized: number;
  /** Acks of re-sends the server recognised as already stored (`duplicate: true`). */
  deduplicated: number;
  /** Handshakes the server turned away for now (close 1013, a reconnect storm). */
  toldToWait: number;
  /** Connection attempts that closed before they opened (refused, timed out, told to wait). */
  failedAttempts: number;
  lastActivity: number;
}

/** A `ws` socket that the node list decides the address of, counting message.send frames. */
function failoverWebSocket(
  nodeUrls: readonly string[],
  home: number,
  stats: ClientStats,
  handshakeTimeoutMs: number,
): WebSocketFactory {
  let offset = 0;
  return class FailoverSocket implements MinimalWebSocket {
    onopen: ((event: unknown) => void) | null = null;
    onmessage: ((event: { data: unknown }) => void) | null = null;
    onclose: ((event: { code: number; reason: string }) => void) | null = null;
    onerror: ((event: unknown) => void) | null = null;
    private readonly ws: WebSocket;

    constructor(url: string, protocols?: string | string[]) {
      const target = new URL(url);
      const node = nodeUrls[(home + offset) % nodeUrls.length] as string;
      target.host = new URL(node).host;
      this.ws = new WebSocket(target, protocols, { handshakeTimeout: handshakeTimeoutMs });
      let opened = false;
      this.ws.on("open", () => {
        opened = true;
        stats.connections += 1;
        this.onopen?.({});
      });
      this.ws.on("message", (data) => {
        const text = String(data);
        if (
          text.startsWith('{"type":"ack"') &&
          (JSON.parse(text) as { duplicate?: boolean }).duplicate
        ) {
          stats.deduplicated += 1;
        }
        this.onmessage?.({ data: text });
      });
      this.ws.on("close", (code, reason) => {
        // Never got in: the next attempt tries the next node, unless the node was only busy.
        if (!opened) stats.failedAttempts += 1;
        if (code === CLOSE_CODES.tryAgainLater) stats.toldToWait += 1;
        else if (!opened) offset += 1;
        this.onclose?.({ code, reason: reason.toString() });
      });
      this.ws.on("error", (err) => this.onerror?.(err));
    }

    get readyState(): number {
      return this.ws.readyState;
    }

    send(data: string): void {
      if (data.startsWith('{"type":"message.send"')) {
        const id = (JSON.parse(data) as { client_id: string }).client_id;
        const counts = stats.transmissions;
        counts.set(id, (counts.get(id) ?? 0) + 1);
      }
      this.ws.send(data);
    }

    close(code?: number, reason?: string): void {
      this.ws.close(code, reason);
    }
  };
}

export type ClientTiming = Pick<
  ChatSocketOptions,
  "backoff" | "pingIntervalMs" | "pongTimeoutMs"
> & {
  /** How long a connection attempt may take before it counts as failed. */
  handshakeTimeoutMs: number;
};

export function createClient(
  userId: string,
  token: string,
  nodeUrls: readonly string[],
  home: number,
  random: Random,
  /** The fault run's short backoff and heartbeat, unless a workload wants the SDK's own. */
  timing: ClientTiming = {
    backoff: { baseMs: 200, maxMs: 2000, random: () => random.next() },
    pingIntervalMs: 3000,
    pongTimeoutMs: 4000,
    handshakeTimeoutMs: 5000,
  },
): FaultClient {
  const stats: ClientStats = {
    userId,
    received: [],
    sends: [],
    transmissions: new Map(),
    connections: 0,
    unauthorized: 0,
    deduplicated: 0,
    toldToWait: 0,
    failedAttempts: 0,
    lastActivity: performance.now(),
  };
  const socket = new ChatSocket({
    baseUrl: nodeUrls[home] as string,
    token: () => token,
    WebSocket: failoverWebSocket(nodeUrls, home, stats, timing.handshakeTimeoutMs),
    backoff: timing.backoff,
    pingIntervalMs: timing.pingIntervalMs,
    pongTimeoutMs: timing.pongTimeoutMs,
  });
  const client: FaultClient = Object.assign(stats, { socket });
  socket.on("event", (event: StoredEvent) => {
    client.lastActivity = performance.now();
    if (event.type !== "message.new") return;
    client.received.push({
      messageId: event.message.id,
      conversationId: event.conversation_id,
      seq: event.message.seq,
      senderId: event.message.sender_id,
      clientId: event.message.client_id,
    });
  });
  socket.on("state", ({ state }) => {
    client.lastActivity = performance.now();
    if (state !== "unauthorized") return;
    // The token is valid for the whole run: a refusal is a finding, and the app would
    // sign in again, so count it and carry on.
    client.unauthorized += 1;
    setTimeout(() => socket.connect(), 500);
  });
  return client;
}

export interface SendPlan {
  direct: readonly string[];
  group: readonly string[];
  count: number;
  meanGapMs: number;
  inFlight: number;
  prefix: string;
}

/**
 * Sends `count` messages with seeded gaps (exponential around `meanGapMs`) and at most
 * `inFlight` unacknowledged; resolves when every send is acked or was given up.
 */
export async function sendAll(
  client: FaultClient,
  plan: SendPlan,
  random: Random,
  stopped: () => boolean,
): Promise<void> {
  const running = new Set<Promise<void>>();
  for (let k = 0; k < plan.count && !stopped(); k++) {
    const gap = -Math.log(1 - random.next()) * plan.meanGapMs;
    await new Promise((resolve) => setTimeout(resolve, gap));
    while (running.size >= plan.inFlight) await Promise.race(running);
    // Half to a group, so most messages reach several members.
    const useGroup = plan.group.length > 0 && (plan.direct.length === 0 || random.next() < 0.5);
    const conversationId = random.pick(useGroup ? plan.group : plan.direct);
    const clientId = `${plan.prefix}-${k}`;
    const outcome: SendOutcome = { clientId, conversationId };
    client.sends.push(outcome);
    const sent = client.socket
      .send(conversationId, `fault message ${clientId}`, { clientId })
      .then(
        (message) => {
          outcome.message = message;
        },
        (err: Error & { code?: string }) => {
          outcome.error = err.code ?? err.message;
        },
      )
      .finally(() => {
        client.lastActivity = performance.now();
        running.delete(sent);
      });
    running.add(sent);
  }
  await Promise.all(running);
}
