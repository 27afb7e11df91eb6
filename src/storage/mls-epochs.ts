/**
 * The server's part in ordering an encrypted conversation's MLS group: whether a
 * conversation is encrypted, and the one commit it takes per epoch (docs/E2EE.md).
 */
import type { Kysely } from "kysely";
import type { Database } from "./schema.js";

/** Whether a conversation's row is end-to-end encrypted (stored as 1 on both engines). */
export function isEncrypted(conversation: { encrypted: number }): boolean {
  return Number(conversation.encrypted) === 1;
}

export class MlsEpochStore {
  constructor(private readonly db: Kysely<Database>) {}

  /** True or false for a conversation that exists; undefined for one that does not. */
  async encrypted(conversationId: string): Promise<boolean | undefined> {
    const row = await this.db
      .selectFrom("conversations")
      .select("encrypted")
      .where("id", "=", conversationId)
      .executeTakeFirst();
    return row ? isEncrypted(row) : undefined;
  }

  /** The encrypted conversations the user is a member of. */
  async encryptedOf(userId: string): Promise<string[]> {
    const rows = await this.db
      .selectFrom("conversation_members as m")
      .innerJoin("conversations as c", "c.id", "m.conversation_id")
      .select("c.id")
      .where("m.user_id", "=", userId)
      .where("c.encrypted", "=", 1)
      .execute();
    return rows.map((r) => r.id);
  }

  /** The epoch the conversation's next commit must come from. */
  async current(conversationId: string): Promise<number> {
    const row = await this.db
      .selectFrom("conversations")
      .select("mls_epoch")
      .where("id", "=", conversationId)
      .executeTakeFirst();
    return Number(row?.mls_epoch ?? 0);
  }

  /**
   * Takes a commit made in `epoch` when it is the first for that epoch; false when another
   * commit holds it already (or it comes from an epoch not reached). Run in the write
   * transaction, whose lock on the event log orders two commits at once.
   */
  async takeCommit(conversationId: string, epoch: number): Promise<boolean> {
    const result = await this.db
      .updateTable("conversations")
      .set((eb) => ({ mls_epoch: eb("mls_epoch", "+", 1) }))
      .where("id", "=", conversationId)
      .where("encrypted", "=", 1)
      .where("mls_epoch", "=", epoch)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }
}
