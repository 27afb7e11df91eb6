/**
 * Message requests: direct conversations whose recipient has not accepted them yet. The
 * creator is the conversation's `created_by`; a row exists only while it is a request.
 */
import type { Kysely, Selectable } from "kysely";
import type { Database, MessageRequestsTable } from "./schema.js";

export type MessageRequest = Selectable<MessageRequestsTable>;

/** A request as the real-time filters hold it. */
export interface RequestFacts {
  conversationId: string;
  creatorId: string;
  recipientId: string;
  state: MessageRequest["state"];
}

export class RequestStore {
  constructor(private readonly db: Kysely<Database>) {}

  async create(conversationId: string, recipientId: string, now: number): Promise<void> {
    await this.db
      .insertInto("message_requests")
      .values({
        conversation_id: conversationId,
        recipient_id: recipientId,
        state: "pending",
        created_at: now,
        updated_at: now,
      })
      .execute();
  }

  async of(conversationId: string): Promise<MessageRequest | undefined> {
    return this.db
      .selectFrom("message_requests")
      .selectAll()
      .where("conversation_id", "=", conversationId)
      .executeTakeFirst();
  }

  /** The requests among `conversationIds`, by conversation. */
  async among(conversationIds: string[]): Promise<Map<string, MessageRequest>> {
    const found = new Map<string, MessageRequest>();
    for (let i = 0; i < conversationIds.length; i += 500) {
      const rows = await this.db
        .selectFrom("message_requests")
        .selectAll()
        .where("conversation_id", "in", conversationIds.slice(i, i + 500))
        .execute();
      for (const row of rows) found.set(row.conversation_id, row);
    }
    return found;
  }

  async setState(
    conversationId: string,
    state: MessageRequest["state"],
    now: number,
  ): Promise<void> {
    await this.db
      .updateTable("message_requests")
      .set({ state, updated_at: now })
      .where("conversation_id", "=", conversationId)
      .execute();
  }

  /** Ends the request: the conversation is an ordinary direct conversation from now on. */
  async remove(conversationId: string): Promise<void> {
    await this.db
      .deleteFrom("message_requests")
      .where("conversation_id", "=", conversationId)
      .execute();
  }

  /** Every open request, for the real-time filters of a starting node. */
  async all(): Promise<RequestFacts[]> {
    const rows = await this.db
      .selectFrom("message_requests as r")
      .innerJoin("conversations as c", "c.id", "r.conversation_id")
      .select(["r.conversation_id", "r.recipient_id", "r.state", "c.created_by"])
      .execute();
    return rows.map((r) => ({
      conversationId: r.conversation_id,
      creatorId: r.created_by ?? "",
      recipientId: r.recipient_id,
      state: r.state,
    }));
  }

  /** Whether the two share a conversation that is no request: a group, or an accepted chat. */
  async shareAccepted(a: string, b: string): Promise<boolean> {
    const row = await this.db
      .selectFrom("conversation_members as x")
      .innerJoin("conversation_members as y", "y.conversation_id", "x.conversation_id")
      .leftJoin("message_requests as r", "r.conversation_id", "x.conversation_id")
      .select("x.conversation_id")
      .where("x.user_id", "=", a)
      .where("y.user_id", "=", b)
      .where("r.conversation_id", "is", null)
      .executeTakeFirst();
    return row !== undefined;
  }

  /** Whether the two share any conversation at all (a request included). */
  async shareAny(a: string, b: string): Promise<boolean> {
    const row = await this.db
      .selectFrom("conversation_members as x")
      .innerJoin("conversation_members as y", "y.conversation_id", "x.conversation_id")
      .select("x.conversation_id")
      .where("x.user_id", "=", a)
      .where("y.user_id", "=", b)
      .executeTakeFirst();
    return row !== undefined;
  }
}
