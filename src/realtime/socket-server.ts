/**
 * The WebSocket endpoint `/socket`. The token comes as `?token=<JWT>` (the deployment
 * guide's form) or as the subprotocol `bearer.<JWT>`; it is checked before the upgrade
 * completes, so an unauthenticated client never holds an open socket.
 */

import { type IncomingMessage, type Server, STATUS_CODES } from "node:http";
import type { Duplex } from "node:stream";
import { CLOSE_CODES, MAX_FRAME_BYTES, RETRY_AFTER_HINT } from "@private-chat/protocol/frames";
import type { Logger } from "pino";
import { type RawData, type WebSocket, WebSocketServer } from "ws";
import { enrolmentRequired } from "../auth/authenticate.js";
import { allows } from "../auth/route-scopes.js";
import type { Authenticated, AuthService } from "../auth/service.js";
import type { TicketService } from "../auth/tickets.js";
import { errorReply } from "../error-reply.js";
import type { Metrics } from "../ops/metrics.js";
import type { AdmissionSlot, SocketAdmission } from "./admission.js";
import { clientAddress, compileTrust } from "./client-address.js";
import type { Connection } from "./connection.js";
import type { FrameHandlers } from "./frame-handlers.js";
import type { HandshakeLimit } from "./handshake-limit.js";
import type { Hub } from "./hub.js";
import type { SocketQuota } from "./socket-quota.js";

export const SOCKET_PATH = "/socket";
const PROTOCOL_NAME = "chat.v1";
const BEARER_PREFIX = "bearer.";
const MAX_QUEUED_FRAMES = 256;
/** How long a draining node waits for a socket's frames in hand, then for its close. */
const DRAIN_FRAMES_MS = 5000;
const DRAIN_CLOSE_MS = 2000;
export const DRAIN_CLOSE_REASON = "server draining: reconnect, another node takes the socket";

/** An accepted socket, as far as draining needs it. */
interface ServedSocket {
  ws: WebSocket;
  /** Settles once every frame taken so far is handled (its ack written). */
  settled(): Promise<unknown>;
  /** Take no more frames: the client sends unacknowledged ones again on its next socket. */
  stop(): void;
}

export interface SocketServer {
  wss: WebSocketServer;
  /**
   * Drains: refuses new handshakes (503, so a proxy tries another node), lets each open
   * socket finish the frames it has sent, then closes it with 1001 and a reconnect hint.
   */
  drain(): Promise<void>;
  close(): void;
}

export interface SocketServerDeps {
  server: Server;
  auth: AuthService;
  tickets: TicketService;
  hub: Hub;
  handlers: FrameHandlers;
  logger: Logger;
  metrics: Metrics;
  allowedOrigins: string[];
  /** `[server] trust_proxy`, to find the client address behind a proxy. */
  trustProxy: string[];
  /** Handshakes per client address; undefined when rate limits are off. */
  handshakes?: HandshakeLimit | undefined;
  /** Open sockets per user. */
  quota: SocketQuota;
  /** The cap the quota holds, for the close reason. */
  maxSocketsPerUser: number;
  /** How many sockets are set up at once ([limits] opening_sockets). */
  admission: SocketAdmission;
}

function reject(socket: Duplex, status: number, code: string, message: string, headers = ""): void {
  const body = JSON.stringify({ error: { code, message } });
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? "Error"}\r\n${headers}` +
      `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

function tokenFrom(request: IncomingMessage, url: URL): string | undefined {
  const fromQuery = url.searchParams.get("token");
  if (fromQuery) return fromQuery;
  const header = request.headers["sec-websocket-protocol"];
  if (!header) return undefined;
  for (const part of header.split(",")) {
    const protocol = part.trim();
    if (protocol.startsWith(BEARER_PREFIX)) return protocol.slice(BEARER_PREFIX.length);
  }
  return undefined;
}

/** Browsers send Origin; it must be this server's own or one the operator allowed. */
function originAllowed(request: IncomingMessage, allowed: string[]): boolean {
  const origin = request.headers.origin;
  if (!origin) return true;
  if (allowed.includes(origin)) return true;
  try {
    return new URL(origin).host === request.headers.host;
  } catch {
    return false;
  }
}

/**
 * An accepted socket's frames, handled one at a time in arrival order once its connection
 * is set up. A class, not closures over a function's scope: an idle socket holds one
 * small object for this, not a scope and a closure per method.
 */
class FrameQueue implements ServedSocket {
  private queue: Promise<unknown>;
  private waiting = 0;
  private stopped = false;

  constructor(
    readonly ws: WebSocket,
    private readonly accepted: Promise<Connection>,
    private readonly handlers: FrameHandlers,
  ) {
    this.queue = accepted;
  }

  /** A frame arrived: queued behind the set-up and the frames before it. */
  take(data: RawData, isBinary: boolean): void {
    if (this.stopped) return;
    // A client cannot make the server hold more than a bounded number of frames.
    if (++this.waiting > MAX_QUEUED_FRAMES) {
      this.ws.close(CLOSE_CODES.policyViolation, "too many frames in flight");
      return;
    }
    this.queue = Promise.all([this.accepted, this.queue]).then(([connection]) => {
      this.waiting -= 1;
      connection.alive = true;
      return this.handlers.handle(connection, isBinary ? undefined : data.toString());
    });
    this.queue.catch(() => {});
  }

  // Sends are pipelined: a frame's handler returns while its message is still being
  // stored, and its ack follows; every send taken is waited for.
  async settled(): Promise<void> {
    await this.queue.catch(() => {});
    const connection = await this.accepted.catch(() => undefined);
    while (connection && connection.sendsInFlight > 0 && this.ws.readyState === this.ws.OPEN) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  stop(): void {
    this.stopped = true;
  }
}

/**
 * Runs an accepted socket. Kept apart from the upgrade handler so that what lives as long
 * as the socket does not hold on to the handshake (request, URL, token).
 */
function serveSocket(
  ws: WebSocket,
  deps: SocketServerDeps,
  auth: Authenticated,
  served: Set<ServedSocket>,
  since?: number,
) {
  ws.on("error", () => ws.terminate());
  // Frames that arrive before the connection is set up wait their turn.
  const accepted = deps.hub.accept(ws, auth, since);
  accepted.catch((err: unknown) => {
    deps.logger.error({ err }, "socket setup failed");
    ws.close(1011, "internal error");
  });
  const frames = new FrameQueue(ws, accepted, deps.handlers);
  served.add(frames);
  // on, not once: 'close' comes once, and once's wrapper would stay for the socket's life.
  ws.on("close", () => served.delete(frames));
  ws.on("message", (data, isBinary) => frames.take(data, isBinary));
  return accepted.then(
    () => undefined,
    () => undefined,
  );
}

/*
 * Listeners on the TCP connection are made out here: one made inside the upgrade handler
 * would keep that handler's whole scope (the request with its headers, the URL, the
 * token) for as long as the socket is open, some 2 KiB of every idle socket.
 */

/**
 * Gives `held` back when the TCP connection closes; the function returned stops that, for
 * a slot given back before (its listener would otherwise stay for the socket's life).
 */
function releaseOnClose(socket: Duplex, held: { release(): void }): () => void {
  const release = () => held.release();
  socket.on("close", release);
  return () => socket.removeListener("close", release);
}

function destroyOnError(socket: Duplex): void {
  socket.on("error", () => socket.destroy());
}

/** Closes with 1001 once the frames in hand are handled; resolves when the socket is shut. */
async function drainOne(entry: ServedSocket): Promise<void> {
  entry.stop();
  let timer: NodeJS.Timeout | undefined;
  const within = (ms: number) =>
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, ms);
    });
  await Promise.race([entry.settled(), within(DRAIN_FRAMES_MS)]);
  clearTimeout(timer);
  const { ws } = entry;
  const shut = () => (ws.readyState as number) === ws.CLOSED;
  if (shut()) return;
  const closed = new Promise<void>((resolve) => ws.once("close", () => resolve()));
  if (ws.readyState === ws.OPEN) ws.close(CLOSE_CODES.goingAway, DRAIN_CLOSE_REASON);
  await Promise.race([closed, within(DRAIN_CLOSE_MS)]);
  clearTimeout(timer);
  if (!shut()) ws.terminate();
}

export function attachSocketServer(deps: SocketServerDeps): SocketServer {
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_FRAME_BYTES,
    perMessageDeflate: false,
    handleProtocols: (protocols) => {
      if (protocols.has(PROTOCOL_NAME)) return PROTOCOL_NAME;
      for (const protocol of protocols) if (protocol.startsWith(BEARER_PREFIX)) return protocol;
      return false;
    },
  });

  const trusted = compileTrust(deps.trustProxy);
  wss.on("close", () => deps.quota.close());
  const served = new Set<ServedSocket>();
  let draining = false;
  // A 503 before the upgrade: nginx (proxy_next_upstream http_503) and clients with a
  // list of nodes try another one at once.
  const refuseDraining = (socket: Duplex) =>
    reject(
      socket,
      503,
      "shutting_down",
      "this node is draining; connect again (another node takes the socket)",
      "Retry-After: 1\r\n",
    );

  const onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    destroyOnError(socket);
    if (draining) return refuseDraining(socket);
    let url: URL;
    try {
      url = new URL(request.url ?? "/", "http://localhost");
    } catch {
      return reject(socket, 400, "invalid_request", "bad request URL");
    }
    if (url.pathname !== SOCKET_PATH)
      return reject(socket, 404, "not_found", "no WebSocket endpoint here");
    // Before anything that costs: a flood of handshakes is refused at the price of a
    // map lookup, and no token is verified for it.
    const wait = deps.handshakes?.take(clientAddress(request, trusted)) ?? 0;
    if (wait > 0) {
      deps.metrics.rateLimited.inc({ limit: "socket_handshake" });
      return reject(
        socket,
        429,
        "rate_limited",
        `too many socket handshakes from this address; retry in ${wait} s`,
        `Retry-After: ${wait}\r\n`,
      );
    }
    // Checked here so that a malformed handshake gets our JSON error, not ws's HTML page.
    const key = request.headers["sec-websocket-key"];
    const version = request.headers["sec-websocket-version"];
    if (!key || !/^[+/0-9A-Za-z]{22}==$/.test(key) || (version !== "13" && version !== "8")) {
      return reject(
        socket,
        400,
        "invalid_request",
        "a WebSocket handshake needs Sec-WebSocket-Key and Sec-WebSocket-Version: 13",
      );
    }
    if (!originAllowed(request, deps.allowedOrigins)) {
      return reject(socket, 403, "forbidden", "this origin may not open sockets here");
    }
    const sinceParam = url.searchParams.get("since");
    const since = sinceParam === null ? undefined : Number(sinceParam);
    if (since !== undefined && !(Number.isSafeInteger(since) && since >= 0)) {
      return reject(socket, 400, "invalid_request", "since must be a cursor (a whole number)");
    }
    // Authentication failures complete the upgrade and close with 4401: a browser sees
    // nothing of a refused handshake but a bare 1006, and could not tell "sign in again"
    // from "network down".
    const closeAtOnce = (closeCode: number, reason: string) => {
      wss.handleUpgrade(request, socket, head, (ws) => {
        ws.on("error", () => ws.terminate());
        ws.close(closeCode, reason);
      });
    };
    const refuse = (code: string, message: string) =>
      closeAtOnce(CLOSE_CODES.authentication, `${code}: ${message}`.slice(0, 120));
    // The rest, once the node has room to set the socket up.
    const setUp = (slot: AdmissionSlot, detachSlot: () => void) => {
      const ticket = url.searchParams.get("ticket");
      const token = ticket ? undefined : tokenFrom(request, url);
      if (!ticket && !token) {
        return refuse(
          "unauthorized",
          "pass ?ticket=, ?token=<JWT> or the subprotocol bearer.<JWT>",
        );
      }
      (ticket ? deps.tickets.redeem(ticket) : deps.auth.authenticate(token as string))
        .then(
          async (auth) => {
            if (socket.destroyed) return;
            // Every event a socket carries is something read: a token needs messages:read.
            if (!allows(auth.session.scopes, "messages:read"))
              return refuse(
                "insufficient_scope",
                "this access token lacks the messages:read scope",
              );
            if (auth.enrolmentDue) {
              const { code, message } = enrolmentRequired();
              return refuse(code, message);
            }
            const lease = await deps.quota.acquire(auth.user.id);
            if (!lease) {
              deps.metrics.rateLimited.inc({ limit: "sockets_per_user" });
              // Completed and closed, as for 4401: a browser sees the code, not a bare 1006.
              closeAtOnce(
                CLOSE_CODES.tooManySockets,
                `too many sockets: this account already has ${deps.maxSocketsPerUser} open`,
              );
              return;
            }
            // The slot is the TCP connection's: given back however it ends, even when the
            // upgrade itself is abandoned.
            releaseOnClose(socket, lease);
            if (socket.destroyed) return lease.release();
            if (draining) return refuseDraining(socket);
            wss.handleUpgrade(request, socket, head, (ws) => {
              serveSocket(ws, deps, auth, served, since).finally(() => {
                slot.release();
                detachSlot();
              });
            });
          },
          (err: unknown) => {
            const failure = errorReply(err);
            if (failure.status === 401 || failure.status === 403)
              return refuse(failure.code, failure.message);
            if (failure.unexpected) deps.logger.error({ err }, "socket authentication failed");
            reject(socket, failure.status, failure.code, failure.message);
          },
        )
        .catch((err: unknown) => {
          deps.logger.error({ err }, "socket handshake failed");
          socket.destroy();
        });
    };
    // Before the token is checked: in a storm, the handshakes past what the node sets up
    // at once wait in line, and those past the line cost a handshake only and come back
    // when told to.
    void deps.admission.enter().then((slot) => {
      if ("retryAfterMs" in slot) {
        deps.metrics.rateLimited.inc({ limit: "socket_admission" });
        if (socket.destroyed) return;
        closeAtOnce(
          CLOSE_CODES.tryAgainLater,
          `server busy; ${RETRY_AFTER_HINT}=${slot.retryAfterMs}`,
        );
        return;
      }
      // Given back once the socket is set up (serveSocket), or however the attempt ends.
      if (socket.destroyed) return slot.release();
      setUp(slot, releaseOnClose(socket, slot));
    });
  };

  deps.server.on("upgrade", onUpgrade);
  let drained: Promise<void> | undefined;
  return {
    wss,
    drain() {
      draining = true;
      drained ??= Promise.all([...served].map(drainOne)).then(() => {});
      return drained;
    },
    close: () => wss.close(),
  };
}
