/**
 * Sends the queued pushes. Each node claims due pushes for a lease, sends them with a
 * deadline, and deletes, reschedules (exponential backoff, or the push service's
 * Retry-After) or drops each by the outcome. A node that dies mid-send leaves its claims
 * to run out; another node then sends those pushes again, once, with the same topic.
 */
import type { Metrics } from "../ops/metrics.js";
import type { GuardedFetch } from "../outbound/guarded-fetch.js";
import type { QueuedPush } from "../storage/push.js";
import type { Store } from "../storage/store.js";
import { type DeliveryOptions, deliver, type Outcome } from "./delivery.js";

const BATCH = 20;
const IDLE_POLL_MS = 1_000;
const STATS_EVERY_MS = 5_000;
const SWEEP_EVERY_MS = 60_000;
const BACKOFF_BASE_MS = 2_000;
const BACKOFF_MAX_MS = 60 * 60_000;

export interface QueueWorkerDeps {
  store: Store;
  guard: GuardedFetch;
  delivery: DeliveryOptions;
  metrics: Metrics;
  nodeId: string;
  maxAttempts: number;
  /** How long one send may take in all; the lease is longer than that. */
  timeoutMs: number;
  onError: (err: unknown, context: string) => void;
}

/** The delay before attempt `attempts + 1`: doubling from 2 s, with jitter, at most an hour. */
export function backoffMs(attempts: number, random = Math.random()): number {
  const base = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** attempts);
  return Math.round(base * (0.5 + random / 2));
}

export class QueueWorker {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = true;
  private again = false;
  private lastStats = 0;
  private lastSweep = 0;

  constructor(private readonly deps: QueueWorkerDeps) {}

  private get leaseMs(): number {
    return this.deps.timeoutMs * 2 + 5_000;
  }

  start(): void {
    this.stopped = false;
    this.wake();
  }

  /** Looks at the queue now (something was just queued) rather than at the next poll. */
  wake(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    clearTimeout(this.timer);
    this.running = this.cycle().finally(() => {
      this.running = undefined;
      if (this.stopped) return;
      if (this.again) {
        this.again = false;
        this.wake();
      } else {
        this.timer = setTimeout(() => this.wake(), IDLE_POLL_MS);
        this.timer.unref();
      }
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  private async cycle(): Promise<void> {
    const { store, nodeId } = this.deps;
    try {
      const now = Date.now();
      if (now - this.lastSweep > SWEEP_EVERY_MS) {
        this.lastSweep = now;
        await store.push.removeEnded(now);
      }
      const claimed = await store.push.claim(nodeId, now, this.leaseMs, BATCH);
      await Promise.all(claimed.map((push) => this.sendOne(push)));
      if (claimed.length === BATCH) this.again = true;
      if (claimed.length > 0 || now - this.lastStats > STATS_EVERY_MS) await this.updateStats();
    } catch (err) {
      this.deps.onError(err, "push queue");
    }
  }

  private async updateStats(): Promise<void> {
    const now = Date.now();
    this.lastStats = now;
    const { queued, oldestAt } = await this.deps.store.push.stats();
    this.deps.metrics.pushQueued.set(queued);
    this.deps.metrics.pushOldestAge.set(oldestAt === null ? 0 : Math.max(0, now - oldestAt) / 1000);
  }

  private async sendOne(push: QueuedPush): Promise<void> {
    const { store, nodeId, metrics } = this.deps;
    try {
      const subscription = await store.push.liveById(push.subscription_id, Date.now());
      const outcome: Outcome = subscription
        ? await deliver(this.deps.guard, this.deps.delivery, push, subscription)
        : { kind: "drop", reason: "session_ended", dropSubscription: true };
      if (outcome.kind === "sent") {
        metrics.pushSent.inc();
        await store.push.finish(push.id, nodeId);
        return;
      }
      metrics.pushFailed.inc({ reason: outcome.reason });
      if (outcome.kind === "drop") {
        if (outcome.dropSubscription) await store.push.removeById(push.subscription_id);
        else await store.push.finish(push.id, nodeId);
        return;
      }
      const attempts = push.attempts + 1;
      if (attempts >= this.deps.maxAttempts) {
        metrics.pushFailed.inc({ reason: "gave_up" });
        await store.push.finish(push.id, nodeId);
        return;
      }
      const wait = Math.max(backoffMs(push.attempts), outcome.retryAfterMs ?? 0);
      await store.push.retryAt(
        push.id,
        nodeId,
        Date.now() + Math.min(wait, BACKOFF_MAX_MS),
        attempts,
      );
    } catch (err) {
      // Left claimed: the lease runs out and the push is tried again.
      this.deps.onError(err, "push send");
    }
  }
}
