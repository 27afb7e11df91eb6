/**
 * Counts over a page of conversations: members per conversation, and a person's unread
 * messages, each read through an index so that its cost follows the page, not the
 * history behind it.
 */
import type { Kysely } from "kysely";
import type { Database } from "./schema.js";

/** How many members each of the conversations has (absent when none). */
export async function memberCounts(
  db: Kysely<Database>,
  conversationIds: string[],
): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (let i = 0; i < conversationIds.length; i += 500) {
    const rows = await db
      .selectFrom("conversation_members")
      .select(["conversation_id", (eb) => eb.fn.countAll<number>().as("n")])
      .where("conversation_id", "in", conversationIds.slice(i, i + 500))
      .groupBy("conversation_id")
      .execute();
    for (const row of rows) counts.set(row.conversation_id, Number(row.n));
  }
  return counts;
}

/**
 * Unread messages per conversation for a user, in `conversationIds` only (a page of the
 * list, not all of them): others' live messages of the timeline past the read mark.
 */
export async function unreadCounts(
  db: Kysely<Database>,
  userId: string,
  conversationIds: string[],
): Promise<Map<string, number>> {
  if (conversationIds.length === 0) return new Map();
  // A count per membership, each over the index range past its read mark: a join let
  // PostgreSQL read every message of the conversations, however much was read.
  const rows = await db
    .selectFrom("conversation_members as m")
    .select((eb) => [
      "m.conversation_id",
      eb
        .selectFrom("messages as msg")
        .select((c) => c.fn.countAll<number>().as("n"))
        .whereRef("msg.conversation_id", "=", "m.conversation_id")
        .whereRef("msg.seq", ">", "m.read_seq")
        .where("msg.sender_id", "!=", userId)
        .where("msg.deleted_at", "is", null)
        // Replies kept to their thread are counted by the thread, not the conversation.
        .where((w) => w.or([w("msg.thread_id", "is", null), w("msg.also_in_conversation", "=", 1)]))
        .as("n"),
    ])
    .where("m.user_id", "=", userId)
    .where("m.conversation_id", "in", conversationIds)
    .execute();
  return new Map(rows.map((r) => [r.conversation_id, Number(r.n)]));
}
