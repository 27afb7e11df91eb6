/**
 * Sync: the events a user missed since a cursor, in order, without gaps or repeats.
 */
import type { LoggedEvent } from "../storage/events.js";
import type { Store } from "../storage/store.js";

export interface SyncPage {
  events: LoggedEvent[];
  /** Where the next sync starts; past every event this page covered, seen or not. */
  cursor: number;
  hasMore: boolean;
}

export class SyncService {
  constructor(private readonly store: Store) {}

  /** The newest cursor; a client starting now has seen everything up to it. */
  latest(): Promise<number> {
    return this.store.events.latestId();
  }

  async since(userId: string, since: number, limit: number): Promise<SyncPage> {
    // Read the head first: every event up to it is committed, so a page that reaches it
    // may jump the cursor there, past events this user cannot see.
    const head = await this.store.events.latestId();
    const events = (await this.store.events.visibleSince(userId, since, limit)).filter(
      (e) => e.id <= head,
    );
    if (events.length < limit) return { events, cursor: head, hasMore: false };
    return { events, cursor: events[events.length - 1]?.id ?? since, hasMore: true };
  }
}
