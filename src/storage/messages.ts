/**
 * Messages and their reactions. A deleted message keeps its row (a tombstone with the
 * body erased) so that seqs stay gapless and replies still point somewhere.
 */

import { MAX_MESSAGE_VERSIONS } from "@private-chat/protocol/chat";
import type { ReactionSummary } from "@private-chat/protocol/present-message";
import type { Expression, ExpressionBuilder, Kysely, SqlBool } from "kysely";
import { type SeqWindow, seqInWindow } from "./membership-window.js";
import { type MessageRow, normaliseMessage } from "./message-row.js";
import type { Database } from "./schema.js";
import { indexMessage } from "./sqlite/search.js";

export type { MessageRow } from "./message-row.js";
export { normaliseMessage } from "./message-row.js";

/** An earlier body of an edited message and when it was written. */
export interface MessageVersion {
  body: string;
  writtenAt: number;
}

export type { ReactionSummary } from "@private-chat/protocol/present-message";

/** A page of history inside the reader's window of membership. */
export interface PageOptions extends SeqWindow {
  before?: number | undefined;
  after?: number | undefined;
  limit: number;
}

/** SQL: the message shows in its conversation's timeline (not a reply kept to its thread). */
export function inTimeline(eb: ExpressionBuilder<Database, "messages">) {
  return eb.or([eb("thread_id", "is", null), eb("also_in_conversation", "=", 1)]);
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
    return row ? normaliseMessage(row) : undefined;
  }

  async byIds(ids: readonly string[]): Promise<MessageRow[]> {
    if (ids.length === 0) return [];
    const rows = await this.db.selectFrom("messages").selectAll().where("id", "in", ids).execute();
    return rows.map(normaliseMessage);
  }

  /**
   * A conversation's messages after `afterSeq`, oldest first, thread replies included;
   * with `liveBy`, only that sender's messages not deleted yet.
   */
  async oldestAfter(
    conversationId: string,
    afterSeq: number,
    limit: number,
    liveBy?: string,
  ): Promise<MessageRow[]> {
    let query = this.db
      .selectFrom("messages")
      .selectAll()
      .where("conversation_id", "=", conversationId)
      .where("seq", ">", afterSeq);
    if (liveBy !== undefined)
      query = query.where("sender_id", "=", liveBy).where("deleted_at", "is", null);
    const rows = await query.orderBy("seq").limit(limit).execute();
    return rows.map(normaliseMessage);
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
    return row ? normaliseMessage(row) : undefined;
  }

  /** A page of history, oldest to newest. */
  page(conversationId: string, options: PageOptions): Promise<MessageRow[]> {
    return this.pageBy(
      "seq",
      (eb) => eb.and([eb("conversation_id", "=", conversationId), inTimeline(eb)]),
      options,
    );
  }

  /** A page of a thread's replies, oldest first; `before` and `after` are thread_seqs. */
  threadPage(rootId: string, options: PageOptions): Promise<MessageRow[]> {
    return this.pageBy("thread_seq", (eb) => eb("thread_id", "=", rootId), options);
  }

  /** The paging both share: inside the reader's window, ordered by `column`. */
  private async pageBy(
    column: "seq" | "thread_seq",
    scope: (eb: ExpressionBuilder<Database, "messages">) => Expression<SqlBool>,
    options: PageOptions,
  ): Promise<MessageRow[]> {
    let query = this.db
      .selectFrom("messages")
      .selectAll()
      .where(scope)
      .where(seqInWindow("seq", options));
    if (options.before !== undefined) query = query.where(column, "<", options.before);
    if (options.after !== undefined) query = query.where(column, ">", options.after);
    // With only `after`, read forward from it; otherwise read back from the newest.
    const forward = options.after !== undefined && options.before === undefined;
    const rows = await query
      .orderBy(column, forward ? "asc" : "desc")
      .limit(options.limit)
      .execute();
    const ordered = forward ? rows : rows.reverse();
    return ordered.map(normaliseMessage);
  }

  /**
   * Each conversation's last message in its timeline. Both reads go from the conversation
   * to its newest rows through the (conversation_id, seq) index, so their cost does not
   * grow with the conversation's history (a filter on the messages' side let PostgreSQL
   * read every message of the conversations instead).
   */
  async lastOf(conversationIds: string[]): Promise<Map<string, MessageRow>> {
    if (conversationIds.length === 0) return new Map();
    const rows = await this.db
      .selectFrom("conversations as c")
      .innerJoin("messages as m", (join) =>
        join.onRef("m.conversation_id", "=", "c.id").onRef("m.seq", "=", "c.last_seq"),
      )
      .selectAll("m")
      .where("c.id", "in", conversationIds)
      .execute();
    const last = new Map(rows.map((r) => [r.conversation_id, normaliseMessage(r)]));
    // Where the last is a reply kept to its thread, the timeline's last stands for it.
    const threadOnly = [...last.values()]
      .filter((row) => row.thread_id && !row.also_in_conversation)
      .map((row) => row.conversation_id);
    for (const id of threadOnly) {
      last.delete(id);
      const shown = await this.db
        .selectFrom("messages")
        .selectAll()
        .where("conversation_id", "=", id)
        .where((eb) => eb.or([eb("thread_id", "is", null), eb("also_in_conversation", "=", 1)]))
        .orderBy("seq", "desc")
        .limit(1)
        .executeTakeFirst();
      if (shown) last.set(id, normaliseMessage(shown));
    }
    return last;
  }

  /**
   * Replaces the body, keeping the body it replaces as an earlier version written when it
   * became current (the send time, or the edit before this one). Only the latest
   * MAX_MESSAGE_VERSIONS earlier versions are kept. Call inside the edit's transaction.
   */
  async edit(id: string, body: string, now: number): Promise<void> {
    const current = await this.db
      .selectFrom("messages")
      .select(["body", "created_at", "edited_at"])
      .where("id", "=", id)
      .executeTakeFirst();
    if (!current) return;
    const last = await this.db
      .selectFrom("message_versions")
      .select((eb) => eb.fn.max("position").as("position"))
      .where("message_id", "=", id)
      .executeTakeFirst();
    const position = Number(last?.position ?? 0) + 1;
    await this.db
      .insertInto("message_versions")
      .values({
        message_id: id,
        position,
        body: current.body,
        written_at: Number(current.edited_at ?? current.created_at),
      })
      .execute();
    await this.db
      .deleteFrom("message_versions")
      .where("message_id", "=", id)
      .where("position", "<=", position - MAX_MESSAGE_VERSIONS)
      .execute();
    await this.db
      .updateTable("messages")
      .set({ body, edited_at: now })
      .where("id", "=", id)
      .execute();
  }

  /** A message's earlier bodies, oldest first. */
  async versionsOf(id: string): Promise<MessageVersion[]> {
    const rows = await this.db
      .selectFrom("message_versions")
      .select(["body", "written_at"])
      .where("message_id", "=", id)
      .orderBy("position")
      .execute();
    return rows.map((r) => ({ body: r.body, writtenAt: Number(r.written_at) }));
  }

  /** Erases the body and everything kept of it: earlier versions go, not just hidden. */
  async tombstone(id: string, now: number): Promise<void> {
    await this.db
      .updateTable("messages")
      .set({ body: "", deleted_at: now, mls_welcome: null })
      .where("id", "=", id)
      .execute();
    await this.db.deleteFrom("message_versions").where("message_id", "=", id).execute();
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
