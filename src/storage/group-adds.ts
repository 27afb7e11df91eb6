/**
 * The record of people added to groups by others, read to hold
 * `[limits] group_adds_per_day`; rows older than the window are dropped as new ones come.
 */
import { randomUUID } from "node:crypto";
import type { Kysely } from "kysely";
import type { Database } from "./schema.js";

export class GroupAddStore {
  constructor(private readonly db: Kysely<Database>) {}

  /** How many times each of `userIds` was added to a group by others since `since`. */
  async countsSince(userIds: string[], since: number): Promise<Map<string, number>> {
    if (userIds.length === 0) return new Map();
    const counts = new Map<string, number>();
    // Chunked: SQLite caps the number of bound parameters in one statement.
    for (let i = 0; i < userIds.length; i += 500) {
      const rows = await this.db
        .selectFrom("group_adds")
        .select(["user_id", (eb) => eb.fn.countAll<number>().as("n")])
        .where("user_id", "in", userIds.slice(i, i + 500))
        .where("added_at", ">", since)
        .groupBy("user_id")
        .execute();
      for (const row of rows) counts.set(row.user_id, Number(row.n));
    }
    return counts;
  }

  /** Records that `addedBy` added each of `userIds` to `conversationId`. */
  async record(
    conversationId: string,
    addedBy: string,
    userIds: string[],
    now: number,
    forgetBefore: number,
  ): Promise<void> {
    for (let i = 0; i < userIds.length; i += 200) {
      const chunk = userIds.slice(i, i + 200);
      await this.db
        .deleteFrom("group_adds")
        .where("user_id", "in", chunk)
        .where("added_at", "<=", forgetBefore)
        .execute();
      await this.db
        .insertInto("group_adds")
        .values(
          chunk.map((userId) => ({
            id: randomUUID(),
            user_id: userId,
            conversation_id: conversationId,
            added_by: addedBy,
            added_at: now,
          })),
        )
        .execute();
    }
  }
}
