/**
 * The push sender thread: it builds and queues the pushes for the recipients the event
 * loop names, and runs the queue worker, with its own database connection and guarded
 * client, off the server's event loop and at a lower scheduling priority. Storing,
 * encrypting and sending a push costs more CPU than storing the message; here that work
 * takes the CPU the chat itself leaves over, so a burst of pushes waits in the queue
 * rather than slowing message delivery. It reports counts and errors back as messages.
 */
import { setPriority } from "node:os";
import { parentPort, workerData } from "node:worker_threads";
import { GuardedFetch } from "../outbound/guarded-fetch.js";
import { openStore } from "../storage/store.js";
import type { FailureReason } from "./delivery.js";
import { PushEnqueuer } from "./enqueue.js";
import { type PushCounters, QueueWorker } from "./queue-worker.js";
import type { FromSender, SenderThreadData, ToSender } from "./sender-protocol.js";

/** Nice 10: about a tenth of the CPU's weight of the server's other threads when all are busy. */
const NICE = 10;
const REPORT_EVERY_MS = 250;

const data = workerData as SenderThreadData;
const port = parentPort;
if (!port) throw new Error("sender-thread runs as a worker thread");
const post = (message: FromSender) => port.postMessage(message);

try {
  // On Linux, with pid 0, this is the calling thread's priority alone.
  setPriority(0, NICE);
} catch {
  // Not allowed here (some containers): the thread runs at the server's priority.
}

let sent = 0;
let failed: Partial<Record<FailureReason, number>> = {};
let queue: { queued: number; oldestAgeSeconds: number } | undefined;
function report(): void {
  if (sent === 0 && Object.keys(failed).length === 0 && !queue) return;
  post({ type: "counts", sent, failed, ...(queue ? { queue } : {}) });
  sent = 0;
  failed = {};
  queue = undefined;
}
const counters: PushCounters = {
  sent: () => {
    sent++;
  },
  failed: (reason) => {
    failed[reason] = (failed[reason] ?? 0) + 1;
  },
  queue: (queued, oldestAgeSeconds) => {
    queue = { queued, oldestAgeSeconds };
  },
};
const reporter = setInterval(report, REPORT_EVERY_MS);

const store = openStore(
  data.database,
  data.postgresSchema ? { postgresSchema: data.postgresSchema } : {},
);
const guard = new GuardedFetch(data.guard);
const worker = new QueueWorker({
  store,
  guard,
  delivery: data.delivery,
  counters,
  nodeId: data.nodeId,
  maxAttempts: data.maxAttempts,
  timeoutMs: data.timeoutMs,
  onError: (err, context) => onError(err, context),
});
worker.start();

const onError = (err: unknown, context: string) => {
  const error = err instanceof Error ? err : new Error(String(err));
  post({
    type: "error",
    context,
    message: error.message,
    ...(error.stack ? { stack: error.stack } : {}),
  });
};

const enqueuer = new PushEnqueuer(
  store,
  data.includeContent,
  () => worker.wake(),
  (err) => onError(err, "push for new messages"),
);

port.on("message", (message: ToSender) => {
  if (message.type === "wake") worker.wake();
  else if (message.type === "queue") enqueuer.add(message.wanted);
  else if (message.type === "stop") void stop();
});

async function stop(): Promise<void> {
  // What was handed over is stored first; pushes in flight are cut off rather than
  // waited for: unsent, they stay queued.
  await enqueuer.drain();
  const stopped = worker.stop();
  guard.close();
  await stopped;
  clearInterval(reporter);
  report();
  await store.close();
  post({ type: "stopped" });
  port?.close();
}
