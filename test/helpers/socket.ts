/**
 * A WebSocket test client: records every frame, waits for the ones a test expects, and
 * reports how the socket closed.
 */
import WebSocket from "ws";

export type Frame = Record<string, any> & { type: string };

export interface TestSocket {
  ws: WebSocket;
  frames: Frame[];
  /** Waits for the next frame (after those already consumed) that matches. */
  next(match?: (frame: Frame) => boolean, timeoutMs?: number): Promise<Frame>;
  /** Frames of a type received so far. */
  all(type: string): Frame[];
  send(frame: unknown): void;
  closed: Promise<{ code: number; reason: string }>;
  close(): Promise<void>;
}

export interface ConnectOptions {
  via?: "query" | "protocol";
  headers?: Record<string, string>;
  /** Wait for the ready frame (default true). */
  ready?: boolean;
  /** Local address to connect from (nginx's ip_hash keys on it). */
  localAddress?: string;
  /** Resume from this cursor (`?since=`). */
  since?: number;
}

export function socketUrl(baseUrl: string, token?: string): string {
  const url = `${baseUrl.replace(/^http/, "ws")}/socket`;
  return token ? `${url}?token=${encodeURIComponent(token)}` : url;
}

export async function connect(
  baseUrl: string,
  token: string,
  options: ConnectOptions = {},
): Promise<TestSocket> {
  const via = options.via ?? "query";
  const wsOptions = {
    ...(options.headers ? { headers: options.headers } : {}),
    ...(options.localAddress ? { localAddress: options.localAddress } : {}),
  };
  const url = via === "query" ? socketUrl(baseUrl, token) : socketUrl(baseUrl);
  const resume =
    options.since === undefined ? "" : `${url.includes("?") ? "&" : "?"}since=${options.since}`;
  const ws =
    via === "query"
      ? new WebSocket(`${url}${resume}`, wsOptions)
      : new WebSocket(`${url}${resume}`, [`bearer.${token}`], wsOptions);
  const frames: Frame[] = [];
  const waiters: { match: (f: Frame) => boolean; resolve: (f: Frame) => void }[] = [];
  let consumed = 0;
  ws.on("message", (data) => {
    const frame = JSON.parse(data.toString()) as Frame;
    frames.push(frame);
    for (const waiter of [...waiters]) {
      if (waiter.match(frame)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(frame);
        return;
      }
    }
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    ws.on("close", (code, reason) => resolve({ code, reason: reason.toString() }));
  });
  await new Promise<void>((resolve, reject) => {
    ws.once("open", () => resolve());
    ws.once("error", reject);
    ws.once("unexpected-response", (_req, res) =>
      reject(new Error(`handshake refused: ${res.statusCode}`)),
    );
  });
  const socket: TestSocket = {
    ws,
    frames,
    all: (type) => frames.filter((f) => f.type === type),
    next(match = () => true, timeoutMs = 10_000) {
      for (let i = consumed; i < frames.length; i++) {
        const frame = frames[i] as Frame;
        if (match(frame)) {
          consumed = i + 1;
          return Promise.resolve(frame);
        }
      }
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          reject(
            new Error(
              `no matching frame within ${timeoutMs} ms; got ${JSON.stringify(frames.slice(-5))}`,
            ),
          );
        }, timeoutMs);
        waiters.push({
          match,
          resolve: (frame) => {
            clearTimeout(timer);
            consumed = frames.length;
            resolve(frame);
          },
        });
      });
    },
    send(frame) {
      ws.send(typeof frame === "string" ? frame : JSON.stringify(frame));
    },
    closed,
    async close() {
      if (ws.readyState === WebSocket.OPEN || ws.readyState === WebSocket.CONNECTING) ws.close();
      await closed;
    },
  };
  if (options.ready !== false) await socket.next((f) => f.type === "ready");
  return socket;
}

/** Attempts a handshake expected to fail; resolves with the HTTP status. */
export function refusedStatus(
  url: string,
  protocols?: string[],
  headers?: Record<string, string>,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, protocols, { headers });
    ws.once("unexpected-response", (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.once("open", () => {
      ws.close();
      reject(new Error("handshake unexpectedly succeeded"));
    });
    ws.once("error", () => {});
  });
}

export type Outcome = { open: TestSocket } | { closed: { code: number; reason: string } };

/** Opens a socket and reports whether it became ready or how it was closed. */
export async function attempt(
  baseUrl: string,
  token: string,
  via: "query" | "protocol" = "query",
): Promise<Outcome> {
  const socket = await connect(baseUrl, token, { via, ready: false });
  const result = await Promise.race([
    socket.next((f) => f.type === "ready").then(() => "ready" as const),
    socket.closed,
  ]);
  return result === "ready" ? { open: socket } : { closed: result };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
