/**
 * Sync: the events a user missed since a cursor, in order, without gaps or repeats.
 */
import { AppError } from "../errors.js";
import { hydrate } from "../events/hydrate.js";
import type { LoggedEvent } from "../storage/events.js";
import type { Store } from "../storage/store.js";

/**
 * A REST sync page holds at most this many bytes of events (always at least one event),
 * whatever the count asked for: a page of large events stays a bounded response.
 */
export const SYNC_PAGE_MAX_BYTES = 1024 * 1024;

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

  /** At most `limit` events and about `maxBytes` of them (never fewer than one). */
  async since(
    userId: string,
    since: number,
    limit: number,
    maxBytes = SYNC_PAGE_MAX_BYTES,
  ): Promise<SyncPage> {
    // Read the head first: every event up to it is committed, so a page that reaches it
    // may jump the cursor there, past events this user cannot see.
    const head = await this.store.events.latestId();
    const logged = (await this.store.events.visibleSince(userId, since, limit, { head })).filter(
      (e) => e.id <= head,
    );
    // Read after the events: a prune that removed some of those asked for has committed
    // by then, and moved the horizon past `since`.
    if (since < (await this.store.events.horizon())) {
      throw new AppError(
        "cursor_expired",
        "this cursor is older than the event log keeps: load the conversations afresh and sync from the newest cursor",
      );
    }
    // The page's cursor counts what was read (a reference whose message is gone is left
    // out of `found`, not re-read).
    const found = await hydrate(this.store, logged);
    const events = withinBytes(found, maxBytes);
    if (events.length === found.length && logged.length < limit)
      return { events, cursor: head, hasMore: false };
    const last = events.length === found.length ? logged.at(-1) : events.at(-1);
    return { events, cursor: last?.id ?? since, hasMore: true };
  }
}

/** The leading events whose payloads fit in `maxBytes`, and always the first one. */
function withinBytes(events: LoggedEvent[], maxBytes: number): LoggedEvent[] {
  let total = 0;
  for (let i = 0; i < events.length; i++) {
    total += Buffer.byteLength(events[i]?.payload ?? "");
    if (total > maxBytes && i > 0) return events.slice(0, i);
  }
  return events;
}
