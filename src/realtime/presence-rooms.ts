/**
 * Which conversations carry presence frames: those of at most PRESENCE_MAX_MEMBERS
 * members. Through a company-wide group every sign-in and sign-out would be a frame to
 * every member, so a morning's sign-ins in a group of 10,000 would be some 50 million
 * frames; in large groups people see who is online from the `online` fields the REST API
 * returns instead. Sizes are counted when a member's socket opens and trusted for a
 * minute, so a reconnect storm counts each group once, not once per member.
 */

export const PRESENCE_MAX_MEMBERS = 100;

const FRESH_MS = 60_000;
/** Past this many known rooms, those not checked for a minute are forgotten. */
const PRUNE_AT = 50_000;

export class PresenceRooms {
  private readonly large = new Set<string>();
  private readonly checkedAt = new Map<string, number>();
  private readonly counting = new Map<string, Promise<void>>();

  constructor(private readonly count: (ids: string[]) => Promise<Map<string, number>>) {}

  /** Brings the sizes of `ids` up to date where they are older than a minute. */
  async refresh(ids: string[], now = Date.now()): Promise<void> {
    const stale = ids.filter(
      (id) => !this.counting.has(id) && (this.checkedAt.get(id) ?? -FRESH_MS) <= now - FRESH_MS,
    );
    if (stale.length > 0) {
      if (this.checkedAt.size > PRUNE_AT) this.prune(now);
      const counted = this.count(stale).then((counts) => {
        for (const id of stale) {
          this.checkedAt.set(id, now);
          if ((counts.get(id) ?? 0) > PRESENCE_MAX_MEMBERS) this.large.add(id);
          else this.large.delete(id);
        }
      });
      const settled = counted.finally(() => {
        for (const id of stale) this.counting.delete(id);
      });
      for (const id of stale) this.counting.set(id, settled);
    }
    const waits = new Set(ids.map((id) => this.counting.get(id)).filter((p) => p !== undefined));
    await Promise.all(waits);
  }

  /** Whether presence passes through the conversation. */
  carries(conversationId: string): boolean {
    return !this.large.has(conversationId);
  }

  private prune(now: number): void {
    for (const [id, at] of this.checkedAt) {
      if (at > now - FRESH_MS) continue;
      this.checkedAt.delete(id);
      this.large.delete(id);
    }
  }
}
