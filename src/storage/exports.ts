/**
 * The reads a data export makes: a conversation's live messages in pages, oldest first,
 * with their senders' names. Pages are keyed by seq (the conversation's unique
 * (conversation_id, seq) index), so each page is one short query and no export ever
 * holds a whole conversation in memory.
 */
import type { Kysely } from "kysely";
import type { Conversation } from "./conversations.js";
import { type MessageRow, normaliseMessage } from "./message-row.js";
import type { Database } from "./schema.js";

/** A message as exported: the stored row and who sent it. */
export interface ExportedMessageRow extends MessageRow {
  sender_username: string | null;
  sender_display_name: string | null;
}

export interface ExportPage {
  conversationId: string;
  /** Only this sender's messages; all senders' when left out. */
  senderId?: string | undefined;
  /** Messages after this seq. */
  afterSeq: number;
  limit: number;
}

export class ExportReads {
  constructor(private readonly db: Kysely<Database>) {}

  /**
   * Conversations `userId` belonged to and has left (a closed period, no current one),
   * oldest first: the messages they wrote there are still theirs to take.
   */
  async leftConversations(userId: string): Promise<Conversation[]> {
    return this.db
      .selectFrom("conversations as c")
      .selectAll("c")
      .where("c.id", "in", (eb) =>
        eb.selectFrom("membership_periods").select("conversation_id").where("user_id", "=", userId),
      )
      .where("c.id", "not in", (eb) =>
        eb
          .selectFrom("conversation_members")
          .select("conversation_id")
          .where("user_id", "=", userId),
      )
      .orderBy("c.created_at")
      .orderBy("c.id")
      .execute();
  }

  /** Live messages (tombstones left out) after `afterSeq`, thread replies included. */
  async messages(page: ExportPage): Promise<ExportedMessageRow[]> {
    let query = this.db
      .selectFrom("messages as m")
      .leftJoin("users as u", "u.id", "m.sender_id")
      .selectAll("m")
      .select(["u.username as sender_username", "u.display_name as sender_display_name"])
      .where("m.conversation_id", "=", page.conversationId)
      .where("m.seq", ">", page.afterSeq)
      .where("m.deleted_at", "is", null);
    if (page.senderId !== undefined) query = query.where("m.sender_id", "=", page.senderId);
    const rows = await query.orderBy("m.seq").limit(page.limit).execute();
    return rows.map(({ sender_username, sender_display_name, ...row }) => ({
      ...normaliseMessage(row),
      sender_username,
      sender_display_name,
    }));
  }
}
