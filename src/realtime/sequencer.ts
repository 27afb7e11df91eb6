/**
 * Puts committed events back in cursor order before fan-out. Events reach a node from its
 * own writes and, in a cluster, from other nodes over Redis; two nodes' publishes can
 * cross, and a publish can be lost while Redis is away. Cursors commit in order (the
 * event log's lock), so a missing cursor below one we hold is either committed, and then
 * read from the database, or rolled back for good. Polling the log's head also recovers
 * events whose publish never arrived at all.
 */
import type { CommittedEvent } from "../events/bus.js";

export interface SequencerDeps {
  /** Committed events with cursors in [from, to], in order. */
  readRange(from: number, to: number): Promise<CommittedEvent[]>;
  latestCursor(): Promise<number>;
  release(event: CommittedEvent): void;
  onError(err: unknown): void;
  /** How long a gap may stay open before it is filled from the database. */
  gapWaitMs?: number;
  /** How often to compare with the log's head (0: never; one process needs no polling). */
  pollMs?: number;
}

// A gap fill reads at most this many events at once; a longer outage takes several.
const FILL_BATCH = 1000;

export class Sequencer {
  private next: number | undefined;
  private readonly held = new Map<number, CommittedEvent>();
  private gapTimer: NodeJS.Timeout | undefined;
  private pollTimer: NodeJS.Timeout | undefined;
  private filling = false;
  /** The head seen by the previous poll, so a fill waits out one interval of in-flight publishes. */
  private lastPolledHead = 0;

  constructor(private readonly deps: SequencerDeps) {}

  /** Starts after the current head: earlier events are for sync, not for live delivery. */
  async start(): Promise<void> {
    this.next = (await this.deps.latestCursor()) + 1;
    const pollMs = this.deps.pollMs ?? 0;
    if (pollMs > 0) {
      this.pollTimer = setInterval(() => void this.poll(), pollMs);
      this.pollTimer.unref();
    }
  }

  stop(): void {
    clearTimeout(this.gapTimer);
    clearInterval(this.pollTimer);
  }

  push(events: CommittedEvent[]): void {
    for (const event of events) {
      if (this.next === undefined) this.next = event.cursor;
      if (event.cursor < this.next) continue; // already released, or filled from the log
      this.held.set(event.cursor, event);
    }
    this.drain();
  }

  private drain(): void {
    while (this.next !== undefined && this.held.has(this.next)) {
      const event = this.held.get(this.next) as CommittedEvent;
      this.held.delete(this.next);
      this.next += 1;
      this.deps.release(event);
    }
    if (this.held.size > 0 && !this.gapTimer) {
      this.gapTimer = setTimeout(() => {
        this.gapTimer = undefined;
        void this.fill(Math.max(...this.held.keys()) - 1);
      }, this.deps.gapWaitMs ?? 100);
      this.gapTimer.unref();
    }
  }

  /** Releases everything up to `upTo`, reading from the log what never arrived. */
  private async fill(upTo: number): Promise<void> {
    if (this.filling || this.next === undefined || upTo < this.next) return;
    this.filling = true;
    try {
      while (this.next !== undefined && this.next <= upTo) {
        const from: number = this.next;
        const to = Math.min(upTo, from + FILL_BATCH - 1);
        const stored = await this.deps.readRange(from, to);
        for (const event of stored) {
          // A copy that arrived meanwhile carries its ack, so prefer it.
          if (!this.held.has(event.cursor)) this.held.set(event.cursor, event);
        }
        for (let cursor: number = from; cursor <= to; cursor++) {
          const event = this.held.get(cursor);
          this.held.delete(cursor);
          this.next = cursor + 1;
          if (event) this.deps.release(event);
        }
      }
    } catch (err) {
      this.deps.onError(err);
    } finally {
      this.filling = false;
      this.drain();
    }
  }

  private async poll(): Promise<void> {
    try {
      const head = await this.deps.latestCursor();
      const lagging = this.next !== undefined && head >= this.next;
      if (lagging && this.lastPolledHead >= (this.next ?? 0)) await this.fill(this.lastPolledHead);
      this.lastPolledHead = head;
    } catch (err) {
      this.deps.onError(err);
    }
  }
}
