/**
 * The cursors of recently delivered events, to drop the copies a replay sends again.
 * Bounded: far more than one sync can overlap with live delivery.
 */
const LIMIT = 20_000;

export class RecentCursors {
  private readonly seen = new Set<number>();
  private readonly order: number[] = [];

  /** Records `cursor`; false if it was already recorded. */
  add(cursor: number): boolean {
    if (this.seen.has(cursor)) return false;
    this.seen.add(cursor);
    this.order.push(cursor);
    if (this.order.length > LIMIT) {
      const oldest = this.order.shift();
      if (oldest !== undefined) this.seen.delete(oldest);
    }
    return true;
  }
}
