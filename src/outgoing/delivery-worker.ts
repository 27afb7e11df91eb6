/**
 * Sends bots' queued event deliveries, and runs the dispatcher that queues them. A
 * subscription's deliveries go in order: this node claims the subscription (a lease),
 * sends its head, deletes it once the receiver answered 2xx, and goes on to the next;
 * a failure sets the head's next try (exponential backoff with jitter) and leaves the
 * rest waiting behind it. A delivery that has failed for `giveUpMs` is dropped and
 * counted. Redirects are failures (never followed); the guarded client refuses private
 * addresses unless the operator allowed them.
 */
import { type GuardedFetch, OutboundError } from "../outbound/guarded-fetch.js";
import { WakeLoop } from "../outbound/wake-loop.js";
import type { EventSubscriptionRow } from "../storage/event-subscriptions.js";
import type { Store } from "../storage/store.js";
import type { EventDispatcher } from "./dispatcher.js";
import { signedHeaders } from "./signature.js";

export interface DeliveryCounters {
  sent(): void;
  failed(reason: string): void;
  queue(queued: number, oldestAgeSeconds: number): void;
}

export interface DeliveryWorkerDeps {
  store: Store;
  guard: GuardedFetch;
  dispatcher: EventDispatcher;
  counters: DeliveryCounters;
  nodeId: string;
  /** How long one delivery may take; a claim lasts longer than a run of them. */
  timeoutMs: number;
  retryBaseMs: number;
  retryMaxMs: number;
  giveUpMs: number;
  onError: (err: unknown, context: string) => void;
}

/** Subscriptions sending at once on one node. */
const IN_FLIGHT = 32;
/** Deliveries one claim sends before it gives the subscription back. */
const PER_CLAIM = 200;
/** Deliveries read (and, once sent, deleted) at a time. */
const BATCH = 25;
const IDLE_POLL_MS = 500;
/**
 * Cycles start at most this often, however many events wake the worker: under a burst
 * of messages the dispatcher reads them in batches, not one transaction per commit.
 */
const MIN_GAP_MS = 100;
const STATS_EVERY_MS = 5_000;
/** The error text kept in a subscription's log. */
const ERROR_MAX = 300;

/** The wait before attempt `attempts + 1`: doubling from `base`, with jitter, at most `max`. */
export function retryDelayMs(attempts: number, base: number, max: number, random = Math.random()) {
  const delay = Math.min(max, base * 2 ** Math.min(attempts, 30));
  return Math.max(1, Math.round(delay * (0.5 + random / 2)));
}

export class DeliveryWorker {
  private readonly loop = new WakeLoop(() => this.cycle(), IDLE_POLL_MS, MIN_GAP_MS);
  private lastStats = 0;
  private readonly sending = new Map<string, Promise<void>>();

  constructor(private readonly deps: DeliveryWorkerDeps) {}

  private get leaseMs(): number {
    return this.deps.timeoutMs * 2 + 5_000;
  }

  private get stopped(): boolean {
    return this.loop.stopped;
  }

  start(): void {
    this.loop.start();
  }

  /** New events (or a subscription's first): look now rather than at the next poll. */
  wake(): void {
    this.loop.wake();
  }

  /** Stops; a delivery in flight finishes (or times out), the rest stay queued. */
  async stop(): Promise<void> {
    await this.loop.stop();
    await Promise.all(this.sending.values());
  }

  private async cycle(): Promise<void> {
    const { store, nodeId, dispatcher } = this.deps;
    try {
      await dispatcher.run();
      const room = IN_FLIGHT - this.sending.size;
      const now = Date.now();
      if (room > 0) {
        const claimed = await store.eventSubscriptions.claimDue(nodeId, now, this.leaseMs, room);
        for (const subscription of claimed) this.track(subscription);
      }
      if (now - this.lastStats > STATS_EVERY_MS) {
        this.lastStats = now;
        const { queued, oldestAt } = await store.eventSubscriptions.stats();
        this.deps.counters.queue(
          queued,
          oldestAt === null ? 0 : Math.max(0, now - oldestAt) / 1000,
        );
      }
    } catch (err) {
      this.deps.onError(err, "event deliveries");
    }
  }

  private track(subscription: EventSubscriptionRow): void {
    if (this.sending.has(subscription.id)) return;
    const run = this.sendRun(subscription)
      .catch((err) => this.deps.onError(err, "event delivery"))
      .finally(() => {
        this.sending.delete(subscription.id);
        void this.deps.store.eventSubscriptions
          .release(subscription.id, this.deps.nodeId)
          .catch((err) => this.deps.onError(err, "event delivery"))
          .finally(() => this.wake());
      });
    this.sending.set(subscription.id, run);
  }

  /**
   * Sends a claimed subscription's deliveries in order, until one fails or none is left.
   * Deliveries are read, and the sent ones deleted, a batch at a time: a node that dies
   * mid-batch sends those again (at least once), never out of order.
   */
  private async sendRun(subscription: EventSubscriptionRow): Promise<void> {
    const { store, counters, nodeId, timeoutMs } = this.deps;
    const queue = store.eventSubscriptions;
    let attempts = subscription.attempts;
    let leaseUntil = Number(subscription.claimed_until ?? 0);
    let sent = 0;
    while (sent < PER_CLAIM && !this.stopped) {
      const batch = await queue.heads(subscription.id, BATCH);
      if (batch.length === 0) return;
      const done: string[] = [];
      let lastStatus = 0;
      const record = () =>
        queue.finish(subscription.id, done.splice(0), {
          now: Date.now(),
          status: lastStatus,
          error: null,
          gaveUp: false,
        });
      try {
        for (const head of batch) {
          if (this.stopped) return;
          const started = Date.now();
          // The claim is renewed before it could run out during a send.
          if (started + timeoutMs + 2_000 > leaseUntil) {
            if (!(await queue.renew(subscription.id, nodeId, started + this.leaseMs))) return;
            leaseUntil = started + this.leaseMs;
          }
          if (started - Number(head.created_at) > this.deps.giveUpMs) {
            await record();
            counters.failed("gave_up");
            const hours = Math.round(this.deps.giveUpMs / 3_600_000);
            await queue.finish(subscription.id, [head.event_id], {
              now: started,
              status: null,
              error: `${head.event_id} was given up: not delivered within ${hours} hours`,
              gaveUp: true,
            });
            attempts = 0;
            continue;
          }
          const outcome = await this.post(subscription, head.event_id, head.payload);
          sent += 1;
          if (outcome.ok) {
            counters.sent();
            done.push(head.event_id);
            lastStatus = outcome.status;
            attempts = 0;
            continue;
          }
          await record();
          counters.failed(outcome.reason);
          const now = Date.now();
          const wait = retryDelayMs(attempts, this.deps.retryBaseMs, this.deps.retryMaxMs);
          await queue.failHead(subscription.id, {
            now,
            status: outcome.status,
            error: outcome.error.slice(0, ERROR_MAX),
            retryAt: now + wait,
            attempts: attempts + 1,
          });
          return;
        }
      } finally {
        await record();
      }
    }
  }

  private async post(
    subscription: EventSubscriptionRow,
    eventId: string,
    body: string,
  ): Promise<
    | { ok: true; status: number }
    | { ok: false; status: number | null; reason: string; error: string }
  > {
    try {
      const res = await this.deps.guard.send(subscription.url, {
        method: "POST",
        headers: signedHeaders(subscription.secret, body, eventId),
        body,
      });
      if (res.status >= 200 && res.status < 300) return { ok: true, status: res.status };
      const redirect = res.status >= 300 && res.status < 400;
      return {
        ok: false,
        status: res.status,
        reason: redirect ? "redirect" : res.status >= 500 ? "server_error" : "rejected",
        error: redirect
          ? `the receiver answered ${res.status} (a redirect, which is not followed)`
          : `the receiver answered ${res.status}`,
      };
    } catch (err) {
      if (err instanceof OutboundError)
        return { ok: false, status: null, reason: err.reason, error: err.message };
      throw err;
    }
  }
}
