/**
 * Who follows which thread, and how far each has read it. The root's author follows once
 * someone replies, unless they chose to stop; replying or being mentioned in a thread
 * follows it again, like choosing to.
 */
import type { Kysely } from "kysely";
import type { Database } from "./schema.js";

/** A followed thread as the list of one person's threads reads it. */
export interface FollowedThread {
  rootId: string;
  conversationId: string;
  readSeq: number;
  lastReplyAt: number;
}

/** Where a page of followed threads goes on: after this thread. */
export interface FollowCursor {
  lastReplyAt: number;
  rootId: string;
}

export class ThreadFollowStore {
  constructor(private readonly db: Kysely<Database>) {}

  /**
   * `auto`: follows unless the person chose to stop (the root's author). `join`: follows
   * in any case (a reply, a mention, a choice). A thread has its `threads` row already.
   * Answers whether the person started following, for their other devices to hear.
   */
  async follow(rootId: string, userId: string, mode: "auto" | "join"): Promise<boolean> {
    const before = await this.of(rootId, userId);
    await this.db
      .insertInto("thread_follows")
      .values({ root_id: rootId, user_id: userId, following: 1, read_seq: 0 })
      .onConflict((oc) =>
        mode === "auto"
          ? oc.columns(["root_id", "user_id"]).doNothing()
          : oc.columns(["root_id", "user_id"]).doUpdateSet({ following: 1 }),
      )
      .execute();
    // Whether the person follows now and did not before.
    return !before?.following && (mode === "join" || before === undefined);
  }

  async unfollow(rootId: string, userId: string): Promise<void> {
    await this.db
      .insertInto("thread_follows")
      .values({ root_id: rootId, user_id: userId, following: 0, read_seq: 0 })
      .onConflict((oc) => oc.columns(["root_id", "user_id"]).doUpdateSet({ following: 0 }))
      .execute();
  }

  /** Moves the read position forward to `seq` (never back); returns where it is now. */
  async markRead(rootId: string, userId: string, seq: number): Promise<number> {
    await this.db
      .insertInto("thread_follows")
      .values({ root_id: rootId, user_id: userId, following: 0, read_seq: seq })
      .onConflict((oc) =>
        oc
          .columns(["root_id", "user_id"])
          .doUpdateSet({ read_seq: seq })
          .where("thread_follows.read_seq", "<", seq),
      )
      .execute();
    return (await this.of(rootId, userId))?.readSeq ?? 0;
  }

  async of(
    rootId: string,
    userId: string,
  ): Promise<{ following: boolean; readSeq: number } | undefined> {
    const row = await this.db
      .selectFrom("thread_follows")
      .select(["following", "read_seq"])
      .where("root_id", "=", rootId)
      .where("user_id", "=", userId)
      .executeTakeFirst();
    return row && { following: Number(row.following) === 1, readSeq: Number(row.read_seq) };
  }

  /**
   * The threads a person follows in conversations they belong to, newest reply first,
   * `limit` of them after `cursor`.
   */
  async followed(userId: string, limit: number, cursor?: FollowCursor): Promise<FollowedThread[]> {
    let query = this.db
      .selectFrom("thread_follows as f")
      .innerJoin("threads as t", "t.root_id", "f.root_id")
      .innerJoin("conversation_members as m", (join) =>
        join
          .onRef("m.conversation_id", "=", "t.conversation_id")
          .onRef("m.user_id", "=", "f.user_id"),
      )
      .select(["f.root_id", "t.conversation_id", "f.read_seq", "t.last_reply_at"])
      .where("f.user_id", "=", userId)
      .where("f.following", "=", 1)
      .where("t.last_reply_at", "is not", null);
    if (cursor)
      query = query.where((eb) =>
        eb.or([
          eb("t.last_reply_at", "<", cursor.lastReplyAt),
          eb.and([
            eb("t.last_reply_at", "=", cursor.lastReplyAt),
            eb("f.root_id", "<", cursor.rootId),
          ]),
        ]),
      );
    const rows = await query
      .orderBy("t.last_reply_at", "desc")
      .orderBy("f.root_id", "desc")
      .limit(limit)
      .execute();
    return rows.map((row) => ({
      rootId: row.root_id,
      conversationId: row.conversation_id,
      readSeq: Number(row.read_seq),
      lastReplyAt: Number(row.last_reply_at),
    }));
  }

  /** Who follows each of the threads. */
  async followersOf(rootIds: readonly string[]): Promise<Map<string, Set<string>>> {
    const result = new Map<string, Set<string>>();
    if (rootIds.length === 0) return result;
    const rows = await this.db
      .selectFrom("thread_follows")
      .select(["root_id", "user_id"])
      .where("root_id", "in", rootIds)
      .where("following", "=", 1)
      .execute();
    for (const row of rows) {
      const users = result.get(row.root_id) ?? new Set<string>();
      users.add(row.user_id);
      result.set(row.root_id, users);
    }
    return result;
  }

  /** Others' live replies past the person's read position, per thread. */
  async unreadCounts(userId: string, rootIds: readonly string[]): Promise<Map<string, number>> {
    if (rootIds.length === 0) return new Map();
    const rows = await this.db
      .selectFrom("messages as msg")
      .innerJoin("thread_follows as f", (join) =>
        join.onRef("f.root_id", "=", "msg.thread_id").on("f.user_id", "=", userId),
      )
      .select(["msg.thread_id", (eb) => eb.fn.countAll<number | string>().as("n")])
      .where("msg.thread_id", "in", rootIds)
      .whereRef("msg.thread_seq", ">", "f.read_seq")
      .where("msg.sender_id", "!=", userId)
      .where("msg.deleted_at", "is", null)
      .groupBy("msg.thread_id")
      .execute();
    return new Map(rows.map((row) => [row.thread_id as string, Number(row.n)]));
  }
}
