/**
 * A bot's HTTPS receiver on 127.0.0.1, with the throw-away certificate the server trusts:
 * it records every request (path, headers, body) and answers as the test says, by default
 * 200 with an empty body. `answer` may also hang (never answer) to exercise deadlines.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { sleep } from "./socket.js";

export interface Received {
  path: string;
  headers: IncomingMessage["headers"];
  body: string;
}

export type Answer = { status: number; body?: string; headers?: Record<string, string> } | "hang";

export class HookReceiver {
  readonly received: Received[] = [];
  private server: Server | undefined;
  private readonly hanging = new Set<ServerResponse>();
  /** How the next request to a path is answered; absent: 200. */
  answer: (path: string, count: number) => Answer = () => ({ status: 200 });

  constructor(private readonly tls: { cert: string; key: string }) {}

  async start(): Promise<void> {
    this.server = createServer({ cert: this.tls.cert, key: this.tls.key }, (req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (chunk: Buffer) => chunks.push(chunk));
      req.on("end", () => {
        const path = req.url ?? "/";
        this.received.push({ path, headers: req.headers, body: Buffer.concat(chunks).toString() });
        const count = this.received.filter((r) => r.path === path).length;
        const answer = this.answer(path, count);
        if (answer === "hang") {
          this.hanging.add(res);
          return;
        }
        res.writeHead(answer.status, answer.headers ?? {}).end(answer.body ?? "");
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, "127.0.0.1", resolve));
  }

  url(path: string): string {
    if (!this.server) throw new Error("the receiver is not started");
    const { port } = this.server.address() as AddressInfo;
    return `https://127.0.0.1:${port}${path}`;
  }

  at(path: string): Received[] {
    return this.received.filter((r) => r.path === path);
  }

  /** Waits (within the test's own deadline) until `path` has had `count` requests. */
  async waitFor(path: string, count: number): Promise<Received[]> {
    while (this.at(path).length < count) await sleep(25);
    return this.at(path);
  }

  async stop(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) =>
      this.server ? this.server.close(() => resolve()) : resolve(),
    );
  }
}
