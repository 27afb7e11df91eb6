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
const PER_CLAIM = 100;
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

  /** Sends a claimed subscription's deliveries in order, until one fails or none is left. */
  private async sendRun(subscription: EventSubscriptionRow): Promise<void> {
    const { store, counters } = this.deps;
    const queue = store.eventSubscriptions;
    let attempts = subscription.attempts;
    for (let sent = 0; sent < PER_CLAIM && !this.stopped; sent++) {
      const head = await queue.head(subscription.id);
      if (!head) return;
      const started = Date.now();
      // Each send renews the claim, so a long run never outlives it.
      if (!(await queue.renew(subscription.id, this.deps.nodeId, started + this.leaseMs))) return;
      if (started - Number(head.created_at) > this.deps.giveUpMs) {
        counters.failed("gave_up");
        await queue.finishHead(subscription.id, head.event_id, {
          now: started,
          status: null,
          error: `${head.event_id} was given up: not delivered within ${Math.round(this.deps.giveUpMs / 3_600_000)} hours`,
          gaveUp: true,
        });
        attempts = 0;
        continue;
      }
      const outcome = await this.post(subscription, head.event_id, head.payload);
      const now = Date.now();
      if (outcome.ok) {
        counters.sent();
        await queue.finishHead(subscription.id, head.event_id, {
          now,
          status: outcome.status,
          error: null,
          gaveUp: false,
        });
        attempts = 0;
        continue;
      }
      counters.failed(outcome.reason);
      const wait = retryDelayMs(attempts, this.deps.retryBaseMs, this.deps.retryMaxMs);
      attempts += 1;
      await queue.failHead(subscription.id, {
        now,
        status: outcome.status,
        error: outcome.error.slice(0, ERROR_MAX),
        retryAt: now + wait,
        attempts,
      });
      return;
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
