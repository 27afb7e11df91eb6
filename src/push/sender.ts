/**
 * Who sends the queued pushes for this process: the sender thread (sender-thread.ts) when
 * the database can be opened a second time, or the queue worker on the event loop for an
 * in-memory SQLite database, which only this connection sees.
 */
import type { Worker } from "node:worker_threads";
import type { Metrics } from "../ops/metrics.js";
import type { Store } from "../storage/store.js";
import { startWorker } from "../threads/start-worker.js";
import { type PushesFor, queuePushes } from "./enqueue.js";
import type { PushCounters, QueueWorker } from "./queue-worker.js";
import type { FromSender, SenderThreadData, ToSender } from "./sender-protocol.js";

export interface PushSender {
  /** Starts sending; the server calls it once it listens. */
  start(): void;
  /** Something was just queued: look now rather than at the next poll. */
  wake(): void;
  /** Queues the pushes for these messages' recipients (each one's live subscriptions). */
  queue(wanted: PushesFor[]): Promise<void>;
  /** Stops; pushes in flight are cut off and stay queued. */
  stop(): Promise<void>;
}

/** The server's metrics as the queue worker reports to them. */
export function metricsCounters(metrics: Metrics): PushCounters {
  return {
    sent: () => metrics.pushSent.inc(),
    failed: (reason) => metrics.pushFailed.inc({ reason }),
    queue: (queued, oldestAgeSeconds) => {
      metrics.pushQueued.set(queued);
      metrics.pushOldestAge.set(oldestAgeSeconds);
    },
  };
}

/** The queue worker on this event loop. */
export class LocalSender implements PushSender {
  constructor(
    private readonly worker: QueueWorker,
    private readonly store: Store,
    private readonly includeContent: boolean,
  ) {}
  async queue(wanted: PushesFor[]): Promise<void> {
    if ((await queuePushes(this.store, this.includeContent, wanted)) > 0) this.worker.wake();
  }
  start(): void {
    this.worker.start();
  }
  wake(): void {
    this.worker.wake();
  }
  stop(): Promise<void> {
    return this.worker.stop();
  }
}

const STOP_GRACE_MS = 5_000;
const RESTART_AFTER_MS = 1_000;
/** How often a server whose thread has not started yet looks for pushes queued by others. */
const LOOK_EVERY_MS = 5_000;

/** What the queue holds: how many pushes wait, and when the oldest was queued. */
export type QueueStats = () => Promise<{ queued: number; oldestAt: number | null }>;

/**
 * The sender thread, started once there is something to send and again should it ever
 * die. A server none of whose people subscribed to pushes never needs it, and the thread
 * costs its own database connection, a copy of the storage code and about half a second
 * of processor time to load; until then this event loop looks at the queue every few
 * seconds (pushes another node queued and could not send), keeping the queue's gauges.
 */
export class ThreadSender implements PushSender {
  private worker: Worker | undefined;
  private started = false;
  private looking: NodeJS.Timeout | undefined;

  constructor(
    /** The thread's data, read when it starts (the server's own address is known by then). */
    private readonly data: () => SenderThreadData,
    private readonly metrics: Metrics,
    private readonly onError: (err: unknown, context: string) => void,
    private readonly queueStats: QueueStats,
  ) {}

  start(): void {
    this.started = true;
    this.look();
  }

  wake(): void {
    if (this.started) this.post(this.running(), { type: "wake" });
  }

  async queue(wanted: PushesFor[]): Promise<void> {
    this.post(this.running(), { type: "queue", wanted });
  }

  /** Until the thread runs: starts it when pushes wait, or looks again a while later. */
  private look(): void {
    this.looking = undefined;
    if (!this.started || this.worker) return;
    this.queueStats().then(
      ({ queued, oldestAt }) => {
        if (!this.started || this.worker) return;
        this.metrics.pushQueued.set(queued);
        this.metrics.pushOldestAge.set(
          oldestAt === null ? 0 : Math.max(0, Date.now() - oldestAt) / 1000,
        );
        if (queued > 0) this.running();
        else this.looking = setTimeout(() => this.look(), LOOK_EVERY_MS).unref();
      },
      (err: unknown) => {
        // A server stopping meanwhile closed the store under the query: nothing to say.
        if (!this.started || this.worker) return;
        this.onError(err, "push queue");
        this.looking = setTimeout(() => this.look(), LOOK_EVERY_MS).unref();
      },
    );
  }

  async stop(): Promise<void> {
    this.started = false;
    clearTimeout(this.looking);
    const worker = this.worker;
    if (!worker) return;
    this.worker = undefined;
    const stopped = new Promise<void>((resolve) => {
      worker.on("message", (message: FromSender) => message.type === "stopped" && resolve());
      worker.once("exit", () => resolve());
    });
    this.post(worker, { type: "stop" });
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([stopped, new Promise((r) => (timer = setTimeout(r, STOP_GRACE_MS)))]);
    clearTimeout(timer);
    await worker.terminate();
  }

  private post(worker: Worker, message: ToSender): void {
    worker.postMessage(message);
  }

  private running(): Worker {
    if (this.worker) return this.worker;
    clearTimeout(this.looking);
    const worker = startWorker(import.meta.url, "sender-thread", this.data());
    worker.unref();
    worker.on("message", (message: FromSender) => this.received(message));
    worker.on("error", (err) => this.onError(err, "push sender thread"));
    worker.on("exit", () => {
      if (this.worker !== worker) return;
      // Died: started again shortly; what it had claimed is sent once its lease ends.
      this.worker = undefined;
      setTimeout(() => this.started && this.running(), RESTART_AFTER_MS).unref();
    });
    this.worker = worker;
    return worker;
  }

  private received(message: FromSender): void {
    if (message.type === "counts") {
      if (message.sent > 0) this.metrics.pushSent.inc(message.sent);
      for (const [reason, count] of Object.entries(message.failed))
        this.metrics.pushFailed.inc({ reason }, count);
      if (message.queue) {
        this.metrics.pushQueued.set(message.queue.queued);
        this.metrics.pushOldestAge.set(message.queue.oldestAgeSeconds);
      }
    } else if (message.type === "error") {
      const error = new Error(message.message);
      if (message.stack) error.stack = message.stack;
      this.onError(error, message.context);
    }
  }
}
