/**
 * The retention sweep: erases, for real (erase.ts), every message older than its
 * conversation keeps them (retention-policy.ts) and those of deleted accounts still to
 * be erased (account-erasure.ts), then removes the event log's events
 * older than `[events] retention_days`. A conversation is swept oldest first in
 * small transactions, each going on from the seq the previous one reached
 * (conversations.expired_seq), so a sweep can stop anywhere and the next goes on.
 *
 * The server sweeps hourly on one node of a cluster: the live node with the smallest id
 * (nodes table). Sweeps that overlap while that changes are harmless: each batch runs
 * under the event log's lock and reads expired_seq afresh, so nothing is erased twice.
 */
import type { DomainEvents } from "../events/bus.js";
import { writeWithEvents } from "../events/log.js";
import { STALE_MS } from "../ops/node-registry.js";
import type { Store } from "../storage/store.js";
import { eraseDeletedAccounts } from "./account-erasure.js";
import { eraseMessage } from "./erase.js";
import {
  DAY_MS,
  effectiveDays,
  expiresByDefault,
  type RetentionPolicy,
} from "./retention-policy.js";

/** Messages erased per transaction: short enough not to hold up sends. */
const BATCH = 200;
/** Events removed per transaction. */
const EVENT_BATCH = 5000;
const SWEEP_EVERY_MS = 60 * 60 * 1000;

export interface SweepReport {
  /** Conversations that had messages expire. */
  conversations: number;
  /** Messages erased. */
  messages: number;
  /** Events removed from the event log. */
  events: number;
  /** Messages of deleted accounts erased ([accounts] on_delete = "erase"). */
  account_messages: number;
  /** Devices' key packages whose lifetime had ended, deleted (docs/E2EE.md). */
  key_packages: number;
  /** History shares left for a device and never taken before they expired. */
  history_shares: number;
}

export interface RetentionDeps {
  store: Store;
  bus: DomainEvents;
  policy: RetentionPolicy;
  /** `[events] retention_days`: how long the event log keeps events. */
  eventDays: number;
  /** This node; with it, the sweep runs only on the node with the smallest live id. */
  nodeId?: string;
  onError?: (err: unknown, context: string) => void;
}

export class RetentionSweeper {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<SweepReport> | undefined;

  constructor(private readonly deps: RetentionDeps) {}

  /** Sweeps now and every hour until stop(), when this node is the one to do it. */
  start(): void {
    if (this.timer) return;
    const tick = () => {
      void this.sweepIfMine().catch((err) => this.deps.onError?.(err, "retention.sweep"));
    };
    tick();
    this.timer = setInterval(tick, SWEEP_EVERY_MS);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running?.catch(() => undefined);
  }

  private async sweepIfMine(): Promise<void> {
    const { nodeId, store } = this.deps;
    if (nodeId) {
      const others = await store.nodes.others(nodeId, Date.now() - STALE_MS);
      if (others.some((node) => node.id < nodeId)) return;
    }
    await this.sweep();
  }

  /** Erases everything expired as of `now`; overlapping calls share one sweep. */
  sweep(now = Date.now()): Promise<SweepReport> {
    this.running ??= this.sweepAll(now).finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async sweepAll(now: number): Promise<SweepReport> {
    const { store, policy } = this.deps;
    const report: SweepReport = {
      conversations: 0,
      messages: 0,
      events: 0,
      account_messages: 0,
      key_packages: 0,
      history_shares: 0,
    };
    for (const { id, days: own } of await store.retention.withRetention(expiresByDefault(policy))) {
      const days = effectiveDays(own, policy);
      if (days === 0) continue;
      let erased = 0;
      for (;;) {
        const batch = await this.sweepBatch(id, now - days * DAY_MS, now);
        erased += batch.erased;
        if (batch.done) break;
      }
      if (erased > 0) {
        report.conversations += 1;
        report.messages += erased;
      }
    }
    report.account_messages = await eraseDeletedAccounts(store, this.deps.bus);
    // Nobody can add a device with an expired key package: it is only bytes to keep.
    report.key_packages = await store.devices.removeAllExpired(now);
    // A share not taken within its week is dropped, its bytes with it (docs/E2EE.md).
    report.history_shares = await store.historyShares.removeExpired(now);
    // After the messages: their erasure rewrote events, which may now go.
    const before = now - this.deps.eventDays * DAY_MS;
    for (;;) {
      const removed = await store.transaction((tx) => tx.events.prune(before, EVENT_BATCH));
      report.events += removed;
      if (removed < EVENT_BATCH) break;
    }
    if (report.messages > 0 || report.events > 0 || report.account_messages > 0)
      await store.reclaimFreePages();
    return report;
  }

  /** One transaction's worth of a conversation's expired messages. */
  private sweepBatch(
    conversationId: string,
    cutoff: number,
    now: number,
  ): Promise<{ erased: number; done: boolean }> {
    return writeWithEvents(this.deps.store, this.deps.bus, async (tx, log) => {
      const from = await tx.retention.expiredSeq(conversationId);
      const rows = await tx.messages.oldestAfter(conversationId, from, BATCH);
      let through = from;
      let erased = 0;
      let done = rows.length < BATCH;
      for (const row of rows) {
        if (row.created_at >= cutoff) {
          done = true;
          break;
        }
        if (row.deleted_at === null) {
          await eraseMessage(tx, log, row, null, now);
          erased += 1;
        }
        through = row.seq;
      }
      if (through > from) await tx.retention.setExpiredSeq(conversationId, through);
      return { erased, done };
    });
  }
}
