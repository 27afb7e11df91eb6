/**
 * How long each conversation keeps its messages, and how far the retention sweep has
 * gone in it.
 */
import type { Kysely } from "kysely";
import type { Database } from "./schema.js";

export class ConversationRetentionStore {
  constructor(private readonly db: Kysely<Database>) {}

  async setRetention(id: string, days: number | null, now: number): Promise<void> {
    await this.db
      .updateTable("conversations")
      .set({ retention_days: days, updated_at: now })
      .where("id", "=", id)
      .execute();
  }

  /**
   * The conversations whose messages may expire, with their own setting: every one when
   * the server keeps messages for a time or caps the time, else those that set one.
   */
  async withRetention(everyOne: boolean): Promise<{ id: string; days: number | null }[]> {
    let query = this.db.selectFrom("conversations").select(["id", "retention_days"]);
    if (!everyOne) query = query.where("retention_days", ">", 0);
    const rows = await query.orderBy("id").execute();
    return rows.map((r) => ({
      id: r.id,
      days: r.retention_days === null ? null : Number(r.retention_days),
    }));
  }

  /** Where the retention sweep goes on from in this conversation (0: the start). */
  async expiredSeq(id: string): Promise<number> {
    const row = await this.db
      .selectFrom("conversations")
      .select("expired_seq")
      .where("id", "=", id)
      .executeTakeFirst();
    return Number(row?.expired_seq ?? 0);
  }

  async setExpiredSeq(id: string, seq: number): Promise<void> {
    await this.db
      .updateTable("conversations")
      .set({ expired_seq: seq })
      .where("id", "=", id)
      .where("expired_seq", "<", seq)
      .execute();
  }
}
