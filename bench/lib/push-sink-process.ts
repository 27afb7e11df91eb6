/**
 * The push sink's own process (see push-sink.ts): an HTTPS server on 127.0.0.1 that
 * answers every push 201 Created and counts what arrives per endpoint, reporting the
 * counts to the benchmark over IPC.
 */
import { readFileSync } from "node:fs";
import { createServer } from "node:https";
import type { AddressInfo } from "node:net";

export type SinkCommand =
  | { type: "reset"; generation: number }
  | { type: "repeats"; expectedEach: number };

export type SinkReport =
  | { type: "ready"; origin: string }
  | { type: "counts"; generation: number; received: number; firstAt: number; lastAt: number }
  | { type: "repeats"; repeats: number };

/** How often the counts go to the benchmark while they change. */
const REPORT_EVERY_MS = 20;

const [certFile, keyFile] = process.argv.slice(2);
if (!certFile || !keyFile || !process.send) throw new Error("run by push-sink.ts");
const send = (report: SinkReport) => process.send?.(report);
/** Wall-clock milliseconds with a fraction, comparable across processes. */
const now = () => performance.timeOrigin + performance.now();

let generation = 0;
let perEndpoint = new Map<string, number>();
let received = 0;
let firstAt = 0;
let lastAt = 0;
let reported = -1;

const server = createServer(
  { cert: readFileSync(certFile), key: readFileSync(keyFile) },
  (request, response) => {
    request.resume();
    request.on("end", () => {
      const at = now();
      if (received === 0) firstAt = at;
      lastAt = at;
      received++;
      const path = request.url ?? "";
      perEndpoint.set(path, (perEndpoint.get(path) ?? 0) + 1);
      response.writeHead(201, { location: `${path}/m/${received}` }).end();
    });
  },
);
server.keepAliveTimeout = 60_000;
server.listen(0, "127.0.0.1", () => {
  send({ type: "ready", origin: `https://127.0.0.1:${(server.address() as AddressInfo).port}` });
});

setInterval(() => {
  if (received === reported) return;
  reported = received;
  send({ type: "counts", generation, received, firstAt, lastAt });
}, REPORT_EVERY_MS);

process.on("message", (command: SinkCommand) => {
  if (command.type === "reset") {
    generation = command.generation;
    perEndpoint = new Map();
    received = 0;
    firstAt = 0;
    lastAt = 0;
    reported = 0;
    send({ type: "counts", generation, received, firstAt, lastAt });
  } else {
    let repeats = 0;
    for (const count of perEndpoint.values()) repeats += Math.max(0, count - command.expectedEach);
    send({ type: "repeats", repeats });
  }
});
process.on("disconnect", () => process.exit(0));
