/**
 * Threads: each root with replies has one `threads` row, which hands out the replies'
 * gapless places (thread_seq) and keeps the summary shown under the root, so a page of
 * history reads every summary in one query instead of counting replies.
 */
import { MAX_THREAD_PARTICIPANTS, type ThreadSummary } from "@private-chat/protocol/chat";
import type { Kysely } from "kysely";
import type { Database, ThreadsTable } from "./schema.js";

function summaryOf(row: Pick<ThreadsTable, "reply_count" | "last_reply_at" | "participant_ids">) {
  return {
    reply_count: Number(row.reply_count),
    last_reply_at: row.last_reply_at === null ? null : Number(row.last_reply_at),
    participant_ids: JSON.parse(row.participant_ids) as string[],
  } satisfies ThreadSummary;
}

export class ThreadStore {
  constructor(private readonly db: Kysely<Database>) {}

  /** Makes the thread's row (no replies yet), for a reply or for someone who follows it. */
  async ensure(rootId: string, conversationId: string): Promise<void> {
    await this.db
      .insertInto("threads")
      .values({
        root_id: rootId,
        conversation_id: conversationId,
        last_seq: 0,
        reply_count: 0,
        last_reply_at: null,
        participant_ids: "[]",
      })
      .onConflict((oc) => oc.column("root_id").doNothing())
      .execute();
  }

  /**
   * Counts a new reply by `senderId` into the root's thread and returns its place. Call
   * inside the send's transaction: the row is updated before it is read, so two sends
   * into one thread take turns on it (a row lock on PostgreSQL, the one writer on SQLite).
   */
  async addReply(
    rootId: string,
    conversationId: string,
    senderId: string,
    now: number,
  ): Promise<{ seq: number; summary: ThreadSummary }> {
    await this.ensure(rootId, conversationId);
    await this.db
      .updateTable("threads")
      .set((eb) => ({
        last_seq: eb("last_seq", "+", 1),
        reply_count: eb("reply_count", "+", 1),
        last_reply_at: now,
      }))
      .where("root_id", "=", rootId)
      .execute();
    const row = await this.db
      .selectFrom("threads")
      .selectAll()
      .where("root_id", "=", rootId)
      .executeTakeFirstOrThrow();
    const earlier = JSON.parse(row.participant_ids) as string[];
    const participants = [senderId, ...earlier.filter((id) => id !== senderId)].slice(
      0,
      MAX_THREAD_PARTICIPANTS,
    );
    const participant_ids = JSON.stringify(participants);
    if (participant_ids !== row.participant_ids)
      await this.db
        .updateTable("threads")
        .set({ participant_ids })
        .where("root_id", "=", rootId)
        .execute();
    return { seq: Number(row.last_seq), summary: summaryOf({ ...row, participant_ids }) };
  }

  /** A reply was deleted: it no longer counts. Returns the new summary. */
  async removeReply(rootId: string): Promise<ThreadSummary | undefined> {
    await this.db
      .updateTable("threads")
      .set((eb) => ({ reply_count: eb("reply_count", "-", 1) }))
      .where("root_id", "=", rootId)
      .where("reply_count", ">", 0)
      .execute();
    const row = await this.db
      .selectFrom("threads")
      .selectAll()
      .where("root_id", "=", rootId)
      .executeTakeFirst();
    return row ? summaryOf(row) : undefined;
  }

  /** The last place handed out in the thread (0 when it never had a reply). */
  async lastSeqOf(rootId: string): Promise<number> {
    const row = await this.db
      .selectFrom("threads")
      .select("last_seq")
      .where("root_id", "=", rootId)
      .executeTakeFirst();
    return row ? Number(row.last_seq) : 0;
  }

  /** The summaries of those of `rootIds` that ever had a reply. */
  async summariesOf(rootIds: readonly string[]): Promise<Map<string, ThreadSummary>> {
    if (rootIds.length === 0) return new Map();
    const rows = await this.db
      .selectFrom("threads")
      .selectAll()
      .where("root_id", "in", rootIds)
      .where("last_seq", ">", 0)
      .execute();
    return new Map(rows.map((row) => [row.root_id, summaryOf(row)]));
  }
}
