/**
 * Replay: the events after a cursor that one user may see, in cursor order. Sync and every
 * socket's resume ask here, so its cost is paid once per reconnect.
 *
 * Two plans return the same rows:
 * - the scan reads the whole log after the cursor, everyone's events, and keeps the
 *   reader's. Its cost is the number of events read before `limit` visible ones turn up:
 *   cheap for a short gap or a reader who is in most of the traffic, and a read of the
 *   whole gap for a reader in a quiet corner of a busy server (a restart of 30 s at
 *   1,000 msgs/s is 30,000 rows per resuming socket);
 * - the seek reads each of the reader's conversations through the (conversation_id, id)
 *   index, at most `limit` events from each, and the events addressed to them through
 *   (user_id, id). Its cost follows the reader's conversations and their events, not the
 *   server's traffic, but a reader in thousands of busy conversations would pay a seek
 *   and a page for each.
 *
 * So the read scans one window of the log first (a few pages' worth of ids); a reader who
 * finds a page there is done, and only a reader the window leaves short seeks through the
 * rest. Their share of the traffic was small in the window, so the seek reads little.
 */
import { type Kysely, type RawBuilder, sql } from "kysely";
import { insideMembership } from "./membership-window.js";
import type { Database } from "./schema.js";

/** The scan reads at most this many pages' worth of ids before the seek takes over. */
export const SCAN_WINDOW_PAGES = 4;

export interface ReplayRow {
  id: number | string;
  conversation_id: string | null;
  user_id: string | null;
  type: string;
  payload: string;
  message_id: string | null;
}

export interface ReplayOptions {
  /** How many ids after the cursor the scan covers; the seek reads past them. */
  scanWindow?: number;
  /** The newest id, when the caller knows it: a scan that reaches it needs no seek. */
  head?: number;
}

/** The columns of a replayed event, from the events table aliased `alias`. */
function columns(alias: string): RawBuilder<unknown> {
  return sql.join(
    ["id", "conversation_id", "user_id", "type", "payload", "message_id"].map((c) =>
      sql.ref(`${alias}.${c}`),
    ),
  );
}

/** Events of a conversation whose message request `userId` declined stay out. */
function notDeclined(conversation: string, userId: string): RawBuilder<unknown> {
  return sql`not exists (select 1 from message_requests r
    where r.conversation_id = ${sql.ref(conversation)} and r.recipient_id = ${userId}
      and r.state = 'declined')`;
}

export class EventReplay {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly engine: "sqlite" | "postgres",
  ) {}

  async visibleSince(
    userId: string,
    since: number,
    limit: number,
    options: ReplayOptions = {},
  ): Promise<ReplayRow[]> {
    const window = options.scanWindow ?? SCAN_WINDOW_PAGES * limit;
    const through = since + window;
    const scanned = await this.scan(userId, since, through, limit);
    // A full page from the window holds the first `limit` visible events: none after
    // the window can come before them.
    if (scanned.length >= limit || through >= (options.head ?? Number.POSITIVE_INFINITY))
      return scanned;
    const sought = await this.seek(userId, through, limit - scanned.length);
    return [...scanned, ...sought];
  }

  /** The visible events with ids in (since, through], read in id order. */
  private async scan(
    userId: string,
    since: number,
    through: number,
    limit: number,
  ): Promise<ReplayRow[]> {
    if (through <= since) return [];
    const upTo = Number.isFinite(through) ? sql`and e.id <= ${through}` : sql``;
    // In id order, so that the read stops at the page's last event: SQLite would rather
    // gather the reader's addressed events and everyone's conversation events through
    // the user_id index and sort them, reading the whole window every time.
    const inOrder = this.engine === "sqlite" ? sql`not indexed` : sql``;
    const { rows } = await sql<ReplayRow>`
      select ${columns("e")} from events e ${inOrder}
      left join conversation_members m
        on m.conversation_id = e.conversation_id and m.user_id = ${userId}
      where e.id > ${since} ${upTo}
        and (e.user_id = ${userId}
          or (e.user_id is null and m.user_id is not null
            and ${insideMembership("cursor", "e.id", "m")}))
        and ${notDeclined("e.conversation_id", userId)}
      order by e.id limit ${limit}`.execute(this.db);
    return rows;
  }

  /**
   * The visible events after `since`: the first `limit` of each conversation's (a page
   * can hold no more of any one), those addressed to the reader, merged in id order.
   */
  private async seek(userId: string, since: number, limit: number): Promise<ReplayRow[]> {
    const perConversation = (selected: RawBuilder<unknown>) => sql`
      select ${selected} from events x
      where x.conversation_id = m.conversation_id and x.id > ${since} and x.user_id is null
        and ${insideMembership("cursor", "x.id", "m")}
      order by x.id limit ${limit}`;
    // PostgreSQL runs the per-conversation read once per membership through LATERAL;
    // SQLite has no LATERAL, and runs a correlated `rowid in (...)` once per membership.
    const conversations =
      this.engine === "postgres"
        ? sql`select ${columns("e")} from conversation_members m
            cross join lateral (${perConversation(columns("x"))}) e`
        : sql`select ${columns("e")} from conversation_members m
            join events e on e.id in (${perConversation(sql.ref("x.id"))})`;
    const { rows } = await sql<ReplayRow>`
      ${conversations}
      where m.user_id = ${userId} and ${notDeclined("m.conversation_id", userId)}
      union all
      select ${columns("e")} from events e
      where e.user_id = ${userId} and e.id > ${since} and ${notDeclined("e.conversation_id", userId)}
      order by 1 limit ${limit}`.execute(this.db);
    return rows;
  }
}
