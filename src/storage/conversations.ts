/**
 * Conversations and their members: who is in which conversation, with what role, since
 * which message, and how far each has read.
 */
import type { Insertable, Kysely, Selectable } from "kysely";
import { memberCounts, unreadCounts } from "./conversation-counts.js";
import type { ConversationMembersTable, ConversationsTable, Database } from "./schema.js";

export type Conversation = Selectable<ConversationsTable>;
export type Member = Selectable<ConversationMembersTable>;
export type Role = Member["role"];

export interface MembershipRow extends Member {
  conversation: Conversation;
}

/** A closed period of membership: seqs in (joinedSeq, leftSeq], cursors in (joinedCursor, leftCursor]. */
export interface Period {
  joinedSeq: number;
  leftSeq: number;
  joinedCursor: number;
  leftCursor: number;
}

export class ConversationStore {
  constructor(private readonly db: Kysely<Database>) {}

  async create(conversation: Insertable<ConversationsTable>): Promise<void> {
    await this.db.insertInto("conversations").values(conversation).execute();
  }

  async byId(id: string): Promise<Conversation | undefined> {
    return this.db.selectFrom("conversations").selectAll().where("id", "=", id).executeTakeFirst();
  }

  /** The conversations among `ids`, by id (a missing one is left out). */
  async byIds(ids: string[]): Promise<Map<string, Conversation>> {
    const found = new Map<string, Conversation>();
    const unique = [...new Set(ids)];
    for (let i = 0; i < unique.length; i += 500) {
      const rows = await this.db
        .selectFrom("conversations")
        .selectAll()
        .where("id", "in", unique.slice(i, i + 500))
        .execute();
      for (const row of rows) found.set(row.id, row);
    }
    return found;
  }

  async byDirectKey(key: string): Promise<Conversation | undefined> {
    return this.db
      .selectFrom("conversations")
      .selectAll()
      .where("direct_key", "=", key)
      .executeTakeFirst();
  }

  async setMembersCanPin(id: string, allowed: boolean, now: number): Promise<void> {
    await this.db
      .updateTable("conversations")
      .set({ members_can_pin: allowed ? 1 : 0, updated_at: now })
      .where("id", "=", id)
      .execute();
  }

  /**
   * Of these sends, those into a direct conversation of the sender whose other member
   * deleted their account (nobody would read them), as `conversationId:senderId` keys.
   * A sender who is not a member is not matched, so the answer tells them nothing.
   */
  async sendsToDeletedPeer(
    sends: { conversationId: string; senderId: string }[],
  ): Promise<Set<string>> {
    const found = new Set<string>();
    const conversationIds = [...new Set(sends.map((s) => s.conversationId))];
    const wanted = new Set(sends.map((s) => `${s.conversationId}:${s.senderId}`));
    // Chunked: SQLite caps the number of bound parameters in one statement.
    for (let i = 0; i < conversationIds.length; i += 500) {
      const rows = await this.db
        .selectFrom("conversation_members as m")
        .innerJoin("conversations as c", "c.id", "m.conversation_id")
        .innerJoin("users as u", "u.id", "m.user_id")
        .innerJoin("conversation_members as s", (join) =>
          join
            .onRef("s.conversation_id", "=", "m.conversation_id")
            .onRef("s.user_id", "!=", "m.user_id"),
        )
        .select(["m.conversation_id", "s.user_id"])
        .where("c.type", "=", "direct")
        .where("m.conversation_id", "in", conversationIds.slice(i, i + 500))
        .where("u.deleted_at", "is not", null)
        .execute();
      for (const row of rows) {
        const key = `${row.conversation_id}:${row.user_id}`;
        if (wanted.has(key)) found.add(key);
      }
    }
    return found;
  }

  async setTitle(id: string, title: string, now: number): Promise<void> {
    await this.db
      .updateTable("conversations")
      .set({ title, updated_at: now })
      .where("id", "=", id)
      .execute();
  }

  /**
   * Takes the next `count` message seqs and returns the last of them; the row lock it
   * holds keeps seqs gapless under concurrency.
   */
  async allocateSeq(id: string, now: number, count = 1): Promise<number> {
    const row = await this.db
      .updateTable("conversations")
      .set((eb) => ({ last_seq: eb("last_seq", "+", count), last_activity_at: now }))
      .where("id", "=", id)
      .returning("last_seq")
      .executeTakeFirstOrThrow();
    return Number(row.last_seq);
  }

  async touchActivity(id: string, now: number): Promise<void> {
    await this.db
      .updateTable("conversations")
      .set({ last_activity_at: now })
      .where("id", "=", id)
      .execute();
  }

  async addMembers(members: Member[]): Promise<void> {
    if (members.length === 0) return;
    // Chunked: SQLite caps the number of bound parameters in one statement.
    for (let i = 0; i < members.length; i += 500) {
      await this.db
        .insertInto("conversation_members")
        .values(members.slice(i, i + 500))
        .onConflict((oc) => oc.columns(["conversation_id", "user_id"]).doNothing())
        .execute();
    }
  }

  /**
   * Ends a membership. Its period is kept (messages up to the conversation's last seq,
   * events up to `leftCursor`) so that a member added again still reads what they saw.
   */
  async removeMember(
    conversationId: string,
    userId: string,
    leftCursor = 0,
    now = Date.now(),
  ): Promise<boolean> {
    await this.db
      .insertInto("membership_periods")
      .columns([
        "conversation_id",
        "user_id",
        "joined_seq",
        "left_seq",
        "joined_cursor",
        "left_cursor",
        "left_at",
      ])
      .expression((eb) =>
        eb
          .selectFrom("conversation_members as m")
          .innerJoin("conversations as c", "c.id", "m.conversation_id")
          .select([
            "m.conversation_id",
            "m.user_id",
            "m.joined_seq",
            "c.last_seq",
            "m.joined_cursor",
            eb.val(leftCursor).as("left_cursor"),
            eb.val(now).as("left_at"),
          ])
          .where("m.conversation_id", "=", conversationId)
          .where("m.user_id", "=", userId),
      )
      .onConflict((oc) => oc.doNothing())
      .execute();
    const result = await this.db
      .deleteFrom("conversation_members")
      .where("conversation_id", "=", conversationId)
      .where("user_id", "=", userId)
      .executeTakeFirst();
    return result.numDeletedRows > 0n;
  }

  async setRole(conversationId: string, userId: string, role: Role): Promise<void> {
    await this.db
      .updateTable("conversation_members")
      .set({ role })
      .where("conversation_id", "=", conversationId)
      .where("user_id", "=", userId)
      .execute();
  }

  async member(conversationId: string, userId: string): Promise<Member | undefined> {
    return this.db
      .selectFrom("conversation_members")
      .selectAll()
      .where("conversation_id", "=", conversationId)
      .where("user_id", "=", userId)
      .executeTakeFirst();
  }

  /** A member's closed periods in a conversation, oldest first. */
  async earlierPeriods(conversationId: string, userId: string): Promise<Period[]> {
    const rows = await this.db
      .selectFrom("membership_periods")
      .select(["joined_seq", "left_seq", "joined_cursor", "left_cursor"])
      .where("conversation_id", "=", conversationId)
      .where("user_id", "=", userId)
      .orderBy("joined_cursor")
      .execute();
    return rows.map((r) => ({
      joinedSeq: Number(r.joined_seq),
      leftSeq: Number(r.left_seq),
      joinedCursor: Number(r.joined_cursor),
      leftCursor: Number(r.left_cursor),
    }));
  }

  /** Members in the order they joined. */
  async members(conversationId: string): Promise<Member[]> {
    return this.membersOf([conversationId]);
  }

  async memberIds(conversationId: string): Promise<string[]> {
    const rows = await this.db
      .selectFrom("conversation_members")
      .select("user_id")
      .where("conversation_id", "=", conversationId)
      .execute();
    return rows.map((r) => r.user_id);
  }

  /** The member ids of several conversations at once, by conversation. */
  async memberIdsByConversation(conversationIds: string[]): Promise<Map<string, string[]>> {
    const byConversation = new Map<string, string[]>();
    // Chunked: SQLite caps the number of bound parameters in one statement.
    for (let i = 0; i < conversationIds.length; i += 500) {
      const rows = await this.db
        .selectFrom("conversation_members")
        .select(["conversation_id", "user_id"])
        .where("conversation_id", "in", conversationIds.slice(i, i + 500))
        .execute();
      for (const row of rows) {
        const list = byConversation.get(row.conversation_id);
        if (list) list.push(row.user_id);
        else byConversation.set(row.conversation_id, [row.user_id]);
      }
    }
    return byConversation;
  }

  /** Members of several conversations, each conversation's in the order they joined. */
  async membersOf(conversationIds: string[]): Promise<Member[]> {
    if (conversationIds.length === 0) return [];
    return this.db
      .selectFrom("conversation_members")
      .selectAll()
      .where("conversation_id", "in", conversationIds)
      .orderBy("joined_at")
      .orderBy("user_id")
      .execute();
  }

  async conversationIdsOf(userId: string): Promise<string[]> {
    const rows = await this.db
      .selectFrom("conversation_members")
      .select("conversation_id")
      .where("user_id", "=", userId)
      .execute();
    return rows.map((r) => r.conversation_id);
  }

  /** How many members each of the conversations has (absent when none). */
  memberCounts(conversationIds: string[]): Promise<Map<string, number>> {
    return memberCounts(this.db, conversationIds);
  }

  /**
   * The user's memberships with their conversations, most recent activity first (ties by
   * id). With `page`, at most `limit` of them, starting after the one `after` names.
   */
  async membershipsOf(
    userId: string,
    page?: { limit: number; after?: { activity: number; id: string } | undefined },
  ): Promise<MembershipRow[]> {
    let query = this.db
      .selectFrom("conversation_members as m")
      .innerJoin("conversations as c", "c.id", "m.conversation_id")
      .selectAll("m")
      .select([
        "c.type",
        "c.title",
        "c.direct_key",
        "c.created_by",
        "c.created_at",
        "c.updated_at",
        "c.last_seq",
        "c.last_activity_at",
        "c.members_can_pin",
        "c.retention_days",
        "c.expired_seq",
        "c.encrypted",
        "c.mls_epoch",
      ])
      .where("m.user_id", "=", userId)
      .orderBy("c.last_activity_at", "desc")
      .orderBy("c.id");
    const after = page?.after;
    if (after) {
      query = query.where((eb) =>
        eb.or([
          eb("c.last_activity_at", "<", after.activity),
          eb.and([eb("c.last_activity_at", "=", after.activity), eb("c.id", ">", after.id)]),
        ]),
      );
    }
    if (page) query = query.limit(page.limit);
    const rows = await query.execute();
    return rows.map((row) => ({
      conversation_id: row.conversation_id,
      user_id: row.user_id,
      role: row.role,
      joined_at: row.joined_at,
      joined_seq: Number(row.joined_seq),
      joined_cursor: Number(row.joined_cursor),
      read_seq: Number(row.read_seq),
      conversation: {
        id: row.conversation_id,
        type: row.type,
        title: row.title,
        direct_key: row.direct_key,
        created_by: row.created_by,
        created_at: row.created_at,
        updated_at: row.updated_at,
        last_seq: Number(row.last_seq),
        last_activity_at: row.last_activity_at,
        members_can_pin: Number(row.members_can_pin),
        retention_days: row.retention_days === null ? null : Number(row.retention_days),
        expired_seq: Number(row.expired_seq),
        encrypted: Number(row.encrypted),
        mls_epoch: Number(row.mls_epoch),
      },
    }));
  }

  /** Moves a member's read position forward (never back); returns the position now held. */
  async advanceRead(
    conversationId: string,
    userId: string,
    seq: number,
  ): Promise<number | undefined> {
    await this.db
      .updateTable("conversation_members")
      .set({ read_seq: seq })
      .where("conversation_id", "=", conversationId)
      .where("user_id", "=", userId)
      .where("read_seq", "<", seq)
      .execute();
    const row = await this.member(conversationId, userId);
    return row ? Number(row.read_seq) : undefined;
  }

  /** Moves a member's read position forward to `seq` (never back), without reading it. */
  async moveReadTo(conversationId: string, userId: string, seq: number): Promise<void> {
    await this.db
      .updateTable("conversation_members")
      .set({ read_seq: seq })
      .where("conversation_id", "=", conversationId)
      .where("user_id", "=", userId)
      .where("read_seq", "<", seq)
      .execute();
  }

  /**
   * Unread messages per conversation for a user, in `conversationIds` only (a page of the
   * list, not all of them): others' live messages of the timeline past the read mark.
   */
  unreadCounts(userId: string, conversationIds: string[]): Promise<Map<string, number>> {
    return unreadCounts(this.db, userId, conversationIds);
  }
}
