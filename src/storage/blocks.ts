/**
 * Who blocked whom. A block is private to the one who made it: nothing here is ever
 * answered to the person blocked.
 */
import type { Kysely } from "kysely";
import type { Database } from "./schema.js";

export interface BlockRow {
  blocker_id: string;
  blocked_id: string;
  created_at: number;
}

export class BlockStore {
  constructor(private readonly db: Kysely<Database>) {}

  /** Records a block; false when it was already there. */
  async add(blockerId: string, blockedId: string, now: number): Promise<boolean> {
    const result = await this.db
      .insertInto("blocks")
      .values({ blocker_id: blockerId, blocked_id: blockedId, created_at: now })
      .onConflict((oc) => oc.columns(["blocker_id", "blocked_id"]).doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0n) > 0;
  }

  /** Lifts a block; false when there was none. */
  /** Removes every block the user made, for a deleted account. */
  async removeAllBy(blockerId: string): Promise<void> {
    await this.db.deleteFrom("blocks").where("blocker_id", "=", blockerId).execute();
  }

  async remove(blockerId: string, blockedId: string): Promise<boolean> {
    const result = await this.db
      .deleteFrom("blocks")
      .where("blocker_id", "=", blockerId)
      .where("blocked_id", "=", blockedId)
      .executeTakeFirst();
    return result.numDeletedRows > 0n;
  }

  async get(blockerId: string, blockedId: string): Promise<BlockRow | undefined> {
    return this.db
      .selectFrom("blocks")
      .selectAll()
      .where("blocker_id", "=", blockerId)
      .where("blocked_id", "=", blockedId)
      .executeTakeFirst();
  }

  /** The people `blockerId` blocked, the most recent first. */
  async of(blockerId: string): Promise<BlockRow[]> {
    const rows = await this.db
      .selectFrom("blocks")
      .selectAll()
      .where("blocker_id", "=", blockerId)
      .orderBy("created_at", "desc")
      .orderBy("blocked_id")
      .execute();
    return rows.map((r) => ({ ...r, created_at: Number(r.created_at) }));
  }

  /** Which of `blockerIds` blocked `blockedId`. */
  /**
   * Which of `blockerIds` blocked which of `blockedIds`, as "blocker blocked" keys: for a
   * whole batch of messages, their senders and recipients, in one statement (per 500).
   */
  async blockedPairs(blockerIds: string[], blockedIds: string[]): Promise<Set<string>> {
    const found = new Set<string>();
    for (let i = 0; i < blockerIds.length; i += 500) {
      for (let j = 0; j < blockedIds.length; j += 500) {
        const rows = await this.db
          .selectFrom("blocks")
          .select(["blocker_id", "blocked_id"])
          .where("blocker_id", "in", blockerIds.slice(i, i + 500))
          .where("blocked_id", "in", blockedIds.slice(j, j + 500))
          .execute();
        for (const row of rows) found.add(`${row.blocker_id} ${row.blocked_id}`);
      }
    }
    return found;
  }

  async blockersAmong(blockerIds: string[], blockedId: string): Promise<string[]> {
    if (blockerIds.length === 0) return [];
    const found: string[] = [];
    // Chunked: SQLite caps the number of bound parameters in one statement.
    for (let i = 0; i < blockerIds.length; i += 500) {
      const rows = await this.db
        .selectFrom("blocks")
        .select("blocker_id")
        .where("blocked_id", "=", blockedId)
        .where("blocker_id", "in", blockerIds.slice(i, i + 500))
        .execute();
      found.push(...rows.map((r) => r.blocker_id));
    }
    return found;
  }

  /** Whether either of the two blocked the other. */
  async between(a: string, b: string): Promise<boolean> {
    const row = await this.db
      .selectFrom("blocks")
      .select("blocker_id")
      .where((eb) =>
        eb.or([
          eb.and([eb("blocker_id", "=", a), eb("blocked_id", "=", b)]),
          eb.and([eb("blocker_id", "=", b), eb("blocked_id", "=", a)]),
        ]),
      )
      .executeTakeFirst();
    return row !== undefined;
  }

  /**
   * Of the sends (conversation, sender) given, those into a direct conversation whose
   * other member blocked the sender, as `conversationId:senderId` keys.
   */
  async refusedSends(sends: { conversationId: string; senderId: string }[]): Promise<Set<string>> {
    const refused = new Set<string>();
    if (sends.length === 0) return refused;
    const conversationIds = [...new Set(sends.map((s) => s.conversationId))];
    const senderIds = [...new Set(sends.map((s) => s.senderId))];
    // Chunked both ways: SQLite caps the number of bound parameters in one statement.
    const rows: { conversation_id: string; blocked_id: string }[] = [];
    for (let i = 0; i < conversationIds.length; i += 400) {
      for (let j = 0; j < senderIds.length; j += 400) {
        rows.push(
          ...(await this.db
            .selectFrom("conversation_members as m")
            .innerJoin("conversations as c", "c.id", "m.conversation_id")
            .innerJoin("blocks as b", "b.blocker_id", "m.user_id")
            .select(["m.conversation_id", "b.blocked_id"])
            .where("c.type", "=", "direct")
            .where("m.conversation_id", "in", conversationIds.slice(i, i + 400))
            .where("b.blocked_id", "in", senderIds.slice(j, j + 400))
            .execute()),
        );
      }
    }
    for (const row of rows) refused.add(`${row.conversation_id}:${row.blocked_id}`);
    return refused;
  }

  /** The people `userId` blocked or was blocked by. */
  async involving(userId: string): Promise<Set<string>> {
    const rows = await this.db
      .selectFrom("blocks")
      .select(["blocker_id", "blocked_id"])
      .where((eb) => eb.or([eb("blocker_id", "=", userId), eb("blocked_id", "=", userId)]))
      .execute();
    return new Set(rows.map((r) => (r.blocker_id === userId ? r.blocked_id : r.blocker_id)));
  }

  /** Every block, for the real-time filters of a starting node. */
  async all(): Promise<{ blockerId: string; blockedId: string }[]> {
    const rows = await this.db.selectFrom("blocks").select(["blocker_id", "blocked_id"]).execute();
    return rows.map((r) => ({ blockerId: r.blocker_id, blockedId: r.blocked_id }));
  }
}
