/**
 * A load-generator socket: raw `ws`, no SDK, so the harness measures the server and not
 * a client library. Incoming frames are classified without JSON.parse where it matters:
 * `message.new` and `ack` frames are recognised by their type text and reduced to their
 * `client_id`, which keeps the generator's own CPU cost per delivery small.
 */
import { CLOSE_CODES, retryAfterOf } from "@private-chat/protocol/close-codes";
import WebSocket from "ws";
import { mapBounded } from "./pool.js";

export interface FrameSink {
  /** A `message.new` for the message with this client_id reached socket `index`. */
  delivery(index: number, clientId: string, at: number): void;
  /** The ack of the message with this client_id reached its sender's socket. */
  ack(index: number, clientId: string, at: number): void;
  /** Any other frame (ready excluded), parsed. */
  other(index: number, frame: { type?: unknown; code?: unknown; id?: unknown }): void;
}

const CLIENT_ID_KEY = '"client_id":"';

function clientIdOf(text: string): string {
  const at = text.indexOf(CLIENT_ID_KEY);
  if (at < 0) return "";
  const start = at + CLIENT_ID_KEY.length;
  return text.slice(start, text.indexOf('"', start));
}

/** The server is setting up as many sockets as it can: come back after `delayMs`. */
class TryAgainLater extends Error {
  constructor(readonly delayMs: number) {
    super(`told to come back in ${delayMs} ms`);
  }
}

export class BenchSocket {
  /** Set once the harness closes the socket itself, so that close is not reported. */
  private closing = false;

  private constructor(
    readonly index: number,
    readonly ws: WebSocket,
    /** Where frames go; a workload may switch it between phases (warm-up, measurement). */
    public sink: FrameSink,
  ) {}

  /**
   * Opens a socket and resolves once its `ready` frame has arrived. A busy server (close
   * 1013, a reconnect storm) is tried again after the delay it names, as the SDK does;
   * each such wait is counted in `BenchSocket.toldToWait`.
   */
  static async open(
    index: number,
    url: string,
    sink: FrameSink,
    timeoutMs = 15_000,
  ): Promise<BenchSocket> {
    for (;;) {
      try {
        return await BenchSocket.attempt(index, url, sink, timeoutMs);
      } catch (err) {
        if (!(err instanceof TryAgainLater)) throw err;
        BenchSocket.toldToWait += 1;
        await new Promise((resolve) => setTimeout(resolve, err.delayMs));
      }
    }
  }

  /** Sockets told by the server to come back later, over the whole run. */
  static toldToWait = 0;

  private static attempt(
    index: number,
    url: string,
    sink: FrameSink,
    timeoutMs: number,
  ): Promise<BenchSocket> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, {
        perMessageDeflate: false,
        skipUTF8Validation: true,
        handshakeTimeout: timeoutMs,
      });
      const socket = new BenchSocket(index, ws, sink);
      let ready = false;
      const timer = setTimeout(() => {
        ws.terminate();
        reject(new Error(`socket ${index}: no ready frame within ${timeoutMs} ms`));
      }, timeoutMs);
      ws.on("message", (data) => {
        const text = data.toString();
        if (text.includes('"type":"message.new"'))
          socket.sink.delivery(index, clientIdOf(text), performance.now());
        else if (text.includes('"type":"ack"'))
          socket.sink.ack(index, clientIdOf(text), performance.now());
        else {
          const frame = JSON.parse(text) as { type?: unknown; code?: unknown; id?: unknown };
          if (frame.type === "ready" && !ready) {
            ready = true;
            clearTimeout(timer);
            resolve(socket);
          } else socket.sink.other(index, frame);
        }
      });
      ws.on("unexpected-response", (_request, response) => {
        clearTimeout(timer);
        reject(new Error(`socket ${index}: handshake refused with HTTP ${response.statusCode}`));
        ws.terminate();
      });
      ws.on("error", (err) => {
        clearTimeout(timer);
        if (!ready) reject(new Error(`socket ${index}: ${err.message}`));
      });
      ws.on("close", (code, reason) => {
        clearTimeout(timer);
        const delayMs = retryAfterOf(reason.toString());
        if (!ready && code === CLOSE_CODES.tryAgainLater && delayMs !== undefined)
          reject(new TryAgainLater(delayMs));
        else if (!ready) reject(new Error(`socket ${index}: closed (${code}) before ready`));
        else if (!socket.closing) socket.sink.other(index, { type: "closed", code });
      });
    });
  }

  get open(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  send(text: string): void {
    this.ws.send(text);
  }

  /** Closes and waits for the close to finish (terminating after a second). */
  close(): Promise<void> {
    this.closing = true;
    if (this.ws.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.ws.terminate();
        resolve();
      }, 1000);
      this.ws.once("close", () => {
        clearTimeout(timer);
        resolve();
      });
      this.ws.close(1000);
    });
  }
}

/** Opens one socket per URL, `concurrency` handshakes at a time. */
export function openSockets(
  urls: string[],
  sink: FrameSink,
  concurrency: number,
): Promise<BenchSocket[]> {
  return mapBounded(urls.length, concurrency, (i) => BenchSocket.open(i, urls[i] ?? "", sink));
}

export async function closeSockets(sockets: BenchSocket[]): Promise<void> {
  await mapBounded(sockets.length, 500, (i) => sockets[i]?.close() ?? Promise.resolve());
}
