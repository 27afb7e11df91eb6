/**
 * The conversations whose messages by a deleted account are still to be erased
 * (`[accounts] on_delete = "erase"`), and how far the erasure got in each
 * (messages/account-erasure.ts works through them).
 */
import type { Kysely } from "kysely";
import type { Database } from "./schema.js";

export interface ErasureJob {
  userId: string;
  conversationId: string;
  erasedSeq: number;
}

export class AccountErasureStore {
  constructor(private readonly db: Kysely<Database>) {}

  /** Queues every conversation the user is or ever was a member of. */
  async queue(userId: string): Promise<number> {
    const current = this.db
      .selectFrom("conversation_members")
      .select("conversation_id")
      .where("user_id", "=", userId);
    const past = this.db
      .selectFrom("membership_periods")
      .select("conversation_id")
      .where("user_id", "=", userId);
    const rows = await current.union(past).execute();
    if (rows.length === 0) return 0;
    await this.db
      .insertInto("account_erasures")
      .values(
        rows.map((r) => ({ user_id: userId, conversation_id: r.conversation_id, erased_seq: 0 })),
      )
      .onConflict((oc) => oc.columns(["user_id", "conversation_id"]).doNothing())
      .execute();
    return rows.length;
  }

  async pending(): Promise<ErasureJob[]> {
    const rows = await this.db
      .selectFrom("account_erasures")
      .selectAll()
      .orderBy("user_id")
      .orderBy("conversation_id")
      .execute();
    return rows.map((r) => ({
      userId: r.user_id,
      conversationId: r.conversation_id,
      erasedSeq: Number(r.erased_seq),
    }));
  }

  /** How far the job got, read afresh inside the batch's transaction (undefined: done). */
  async progress(userId: string, conversationId: string): Promise<number | undefined> {
    const row = await this.db
      .selectFrom("account_erasures")
      .select("erased_seq")
      .where("user_id", "=", userId)
      .where("conversation_id", "=", conversationId)
      .executeTakeFirst();
    return row ? Number(row.erased_seq) : undefined;
  }

  async advance(userId: string, conversationId: string, seq: number): Promise<void> {
    await this.db
      .updateTable("account_erasures")
      .set({ erased_seq: seq })
      .where("user_id", "=", userId)
      .where("conversation_id", "=", conversationId)
      .execute();
  }

  async finish(userId: string, conversationId: string): Promise<void> {
    await this.db
      .deleteFrom("account_erasures")
      .where("user_id", "=", userId)
      .where("conversation_id", "=", conversationId)
      .execute();
  }
}
