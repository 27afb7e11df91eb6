/**
 * Messages and their reactions. A deleted message keeps its row (a tombstone with the
 * body erased) so that seqs stay gapless and replies still point somewhere.
 */

import type { ReactionSummary } from "@private-chat/protocol/present-message";
import type { Kysely, Selectable } from "kysely";
import { type SeqWindow, seqInWindow } from "./membership-window.js";
import type { Database, MessagesTable } from "./schema.js";
import { indexMessage } from "./sqlite/search-index.js";

export type MessageRow = Selectable<MessagesTable>;

export type { ReactionSummary } from "@private-chat/protocol/present-message";

/** A page of history inside the reader's window of membership. */
export interface PageOptions extends SeqWindow {
  before?: number | undefined;
  after?: number | undefined;
  limit: number;
}

function normalise(row: MessageRow): MessageRow {
  return { ...row, seq: Number(row.seq) };
}

export class MessageStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly engine: "sqlite" | "postgres",
  ) {}

  async insert(row: MessageRow): Promise<void> {
    await this.db.insertInto("messages").values(row).execute();
    // PostgreSQL's search index follows the table by itself; SQLite's is fed here.
    if (this.engine === "sqlite") await indexMessage(this.db, row.id);
  }

  async byId(id: string): Promise<MessageRow | undefined> {
    const row = await this.db
      .selectFrom("messages")
      .selectAll()
      .where("id", "=", id)
      .executeTakeFirst();
    return row ? normalise(row) : undefined;
  }

  async byClientId(
    conversationId: string,
    senderId: string,
    clientId: string,
  ): Promise<MessageRow | undefined> {
    const row = await this.db
      .selectFrom("messages")
      .selectAll()
      .where("conversation_id", "=", conversationId)
      .where("sender_id", "=", senderId)
      .where("client_id", "=", clientId)
      .executeTakeFirst();
    return row ? normalise(row) : undefined;
  }

  /** A page of history, oldest to newest. */
  async page(conversationId: string, options: PageOptions): Promise<MessageRow[]> {
    let query = this.db
      .selectFrom("messages")
      .selectAll()
      .where("conversation_id", "=", conversationId)
      .where(seqInWindow("seq", options));
    if (options.before !== undefined) query = query.where("seq", "<", options.before);
    if (options.after !== undefined) query = query.where("seq", ">", options.after);
    // With only `after`, read forward from it; otherwise read back from the newest.
    const forward = options.after !== undefined && options.before === undefined;
    const rows = await query
      .orderBy("seq", forward ? "asc" : "desc")
      .limit(options.limit)
      .execute();
    const ordered = forward ? rows : rows.reverse();
    return ordered.map(normalise);
  }

  /** The message at each conversation's last seq. */
  async lastOf(conversationIds: string[]): Promise<Map<string, MessageRow>> {
    if (conversationIds.length === 0) return new Map();
    const rows = await this.db
      .selectFrom("messages as m")
      .innerJoin("conversations as c", (join) =>
        join.onRef("c.id", "=", "m.conversation_id").onRef("c.last_seq", "=", "m.seq"),
      )
      .selectAll("m")
      .where("m.conversation_id", "in", conversationIds)
      .execute();
    return new Map(rows.map((r) => [r.conversation_id, normalise(r)]));
  }

  async edit(id: string, body: string, now: number): Promise<void> {
    await this.db
      .updateTable("messages")
      .set({ body, edited_at: now })
      .where("id", "=", id)
      .execute();
  }

  async tombstone(id: string, now: number): Promise<void> {
    await this.db
      .updateTable("messages")
      .set({ body: "", deleted_at: now })
      .where("id", "=", id)
      .execute();
    await this.db.deleteFrom("reactions").where("message_id", "=", id).execute();
  }

  async addReaction(
    messageId: string,
    userId: string,
    emoji: string,
    now: number,
  ): Promise<boolean> {
    const result = await this.db
      .insertInto("reactions")
      .values({ message_id: messageId, user_id: userId, emoji, created_at: now })
      .onConflict((oc) => oc.columns(["message_id", "user_id", "emoji"]).doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0n) > 0;
  }

  async removeReaction(messageId: string, userId: string, emoji: string): Promise<boolean> {
    const result = await this.db
      .deleteFrom("reactions")
      .where("message_id", "=", messageId)
      .where("user_id", "=", userId)
      .where("emoji", "=", emoji)
      .executeTakeFirst();
    return result.numDeletedRows > 0n;
  }

  /** Reactions per message, each emoji with its count and who reacted, in first-use order. */
  async reactionsOf(messageIds: string[]): Promise<Map<string, ReactionSummary[]>> {
    const result = new Map<string, ReactionSummary[]>();
    if (messageIds.length === 0) return result;
    const rows = await this.db
      .selectFrom("reactions")
      .selectAll()
      .where("message_id", "in", messageIds)
      .orderBy("created_at")
      .orderBy("user_id")
      .execute();
    for (const row of rows) {
      const list = result.get(row.message_id) ?? [];
      let entry = list.find((r) => r.emoji === row.emoji);
      if (!entry) {
        entry = { emoji: row.emoji, count: 0, userIds: [] };
        list.push(entry);
      }
      entry.count += 1;
      entry.userIds.push(row.user_id);
      result.set(row.message_id, list);
    }
    return result;
  }
}
