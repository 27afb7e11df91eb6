/**
 * Sends the queued pushes. Each node claims due pushes for a lease and keeps up to
 * IN_FLIGHT of them sending at once, claiming more as sends finish, so one push service
 * that hangs holds up only its own pushes. Each outcome deletes, reschedules (exponential
 * backoff, or the push service's Retry-After) or drops its push; the deletes of finished
 * pushes go to the database together. A node that dies mid-send leaves its claims to run
 * out; another node then sends those pushes again, once, with the same topic.
 */
import { setTimeout as delay } from "node:timers/promises";
import type { GuardedFetch } from "../outbound/guarded-fetch.js";
import { WakeLoop } from "../outbound/wake-loop.js";
import type { PushSubscriptionRow, QueuedPush } from "../storage/push.js";
import type { Store } from "../storage/store.js";
import {
  type DeliveryOptions,
  deliver,
  type FailureReason,
  type Outcome,
  VapidHeaders,
} from "./delivery.js";

/** Pushes sending at once; more are claimed once fewer than half of these are left. */
const IN_FLIGHT = 256;
const IDLE_POLL_MS = 1_000;
/** Finished pushes are deleted together, this long after the first of them finished. */
const FLUSH_AFTER_MS = 20;
const STATS_EVERY_MS = 5_000;
const SWEEP_EVERY_MS = 60_000;
const BACKOFF_BASE_MS = 2_000;
const BACKOFF_MAX_MS = 60 * 60_000;
/** What the worker reports: to the server's metrics, or from a thread to them. */
export interface PushCounters {
  sent(): void;
  failed(reason: FailureReason): void;
  queue(queued: number, oldestAgeSeconds: number): void;
}

export interface QueueWorkerDeps {
  store: Store;
  guard: GuardedFetch;
  delivery: DeliveryOptions;
  counters: PushCounters;
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
  private readonly loop = new WakeLoop(() => this.cycle(), IDLE_POLL_MS);
  private lastStats = 0;
  private lastSweep = 0;
  private readonly sending = new Set<Promise<void>>();
  /** Sent or dropped pushes whose rows are still to be deleted. */
  private finished: string[] = [];
  private flushing: Promise<void> | undefined;
  private readonly vapid: VapidHeaders;

  constructor(private readonly deps: QueueWorkerDeps) {
    this.vapid = new VapidHeaders(deps.delivery);
  }

  private get leaseMs(): number {
    return this.deps.timeoutMs * 2 + 5_000;
  }

  start(): void {
    this.loop.start();
  }

  /** Looks at the queue now (something was just queued) rather than at the next poll. */
  wake(): void {
    this.loop.wake();
  }

  async stop(): Promise<void> {
    await this.loop.stop();
    await Promise.all(this.sending);
    await this.flushing;
    await this.flush();
  }

  private async cycle(): Promise<void> {
    const { store, nodeId } = this.deps;
    try {
      const now = Date.now();
      if (now - this.lastSweep > SWEEP_EVERY_MS) {
        this.lastSweep = now;
        await store.push.removeEnded(now);
      }
      // Woken again as sends finish.
      const room = IN_FLIGHT - this.sending.size;
      if (room < IN_FLIGHT / 2) return;
      const claimed = await store.push.claim(nodeId, now, this.leaseMs, room);
      if (claimed.length > 0) {
        const live = await store.push.liveByIds(
          claimed.map((p) => p.subscription_id),
          Date.now(),
        );
        for (const push of claimed) this.track(this.sendOne(push, live.get(push.subscription_id)));
      }
      if (claimed.length === room) this.loop.runAgain();
      if (claimed.length > 0 || now - this.lastStats > STATS_EVERY_MS) await this.updateStats();
    } catch (err) {
      this.deps.onError(err, "push queue");
    }
  }

  private track(sending: Promise<void>): void {
    this.sending.add(sending);
    void sending.finally(() => {
      this.sending.delete(sending);
      this.flushSoon();
      if (this.sending.size <= IN_FLIGHT / 2) this.wake();
    });
  }

  /** Deletes the finished pushes' rows shortly, in one statement for all that finish meanwhile. */
  private flushSoon(): void {
    if (this.flushing || this.finished.length === 0) return;
    this.flushing = delay(FLUSH_AFTER_MS)
      .then(() => this.flush())
      .finally(() => {
        this.flushing = undefined;
        this.flushSoon();
      });
  }

  private async flush(): Promise<void> {
    const ids = this.finished;
    if (ids.length === 0) return;
    this.finished = [];
    try {
      await this.deps.store.push.finish(ids, this.deps.nodeId);
    } catch (err) {
      // Left claimed: the lease runs out and these are sent again, once.
      this.deps.onError(err, "push queue");
    }
  }

  private async updateStats(): Promise<void> {
    const now = Date.now();
    this.lastStats = now;
    const { queued, oldestAt } = await this.deps.store.push.stats();
    this.deps.counters.queue(queued, oldestAt === null ? 0 : Math.max(0, now - oldestAt) / 1000);
  }

  private async sendOne(push: QueuedPush, subscription: PushSubscriptionRow | undefined) {
    const { store, nodeId, counters } = this.deps;
    try {
      const outcome: Outcome = subscription
        ? await deliver(this.deps.guard, this.deps.delivery, this.vapid, push, subscription)
        : { kind: "drop", reason: "session_ended", dropSubscription: true };
      if (outcome.kind === "sent") {
        counters.sent();
        this.finished.push(push.id);
        return;
      }
      counters.failed(outcome.reason);
      if (outcome.kind === "drop") {
        if (outcome.dropSubscription) await store.push.removeById(push.subscription_id);
        else this.finished.push(push.id);
        return;
      }
      const attempts = push.attempts + 1;
      if (attempts >= this.deps.maxAttempts) {
        counters.failed("gave_up");
        this.finished.push(push.id);
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
