/**
 * Provider and directory groups linked to group conversations (migration 030), and the
 * members each link added.
 */
import type { Kysely } from "kysely";
import { isUniqueViolation } from "./errors.js";
import type { Database, GroupLinksTable } from "./schema.js";

export interface GroupLink {
  id: string;
  source: string;
  group: string;
  conversationId: string;
  createdBy: string;
  createdAt: number;
}

function toLink(row: GroupLinksTable): GroupLink {
  return {
    id: row.id,
    source: row.source,
    group: row.group_name,
    conversationId: row.conversation_id,
    createdBy: row.created_by,
    createdAt: Number(row.created_at),
  };
}

export class GroupLinkStore {
  constructor(private readonly db: Kysely<Database>) {}

  /** False when the same group is linked to the conversation already. */
  async create(link: GroupLink): Promise<boolean> {
    try {
      await this.db
        .insertInto("group_links")
        .values({
          id: link.id,
          source: link.source,
          group_name: link.group,
          conversation_id: link.conversationId,
          created_by: link.createdBy,
          created_at: link.createdAt,
        })
        .execute();
      return true;
    } catch (err) {
      if (isUniqueViolation(err)) return false;
      throw err;
    }
  }

  async list(): Promise<GroupLink[]> {
    const rows = await this.db
      .selectFrom("group_links")
      .selectAll()
      .orderBy("source")
      .orderBy("group_name")
      .orderBy("id")
      .execute();
    return rows.map(toLink);
  }

  async ofSource(source: string): Promise<GroupLink[]> {
    const rows = await this.db
      .selectFrom("group_links")
      .selectAll()
      .where("source", "=", source)
      .orderBy("id")
      .execute();
    return rows.map(toLink);
  }

  async byId(id: string): Promise<GroupLink | undefined> {
    const row = await this.db
      .selectFrom("group_links")
      .selectAll()
      .where("id", "=", id)
      .executeTakeFirst();
    return row ? toLink(row) : undefined;
  }

  async remove(id: string): Promise<boolean> {
    await this.db.deleteFrom("group_link_members").where("link_id", "=", id).execute();
    const result = await this.db.deleteFrom("group_links").where("id", "=", id).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async addedBy(linkId: string, userId: string): Promise<boolean> {
    const row = await this.db
      .selectFrom("group_link_members")
      .select("user_id")
      .where("link_id", "=", linkId)
      .where("user_id", "=", userId)
      .executeTakeFirst();
    return row !== undefined;
  }

  async recordAdded(linkId: string, userId: string): Promise<void> {
    await this.db
      .insertInto("group_link_members")
      .values({ link_id: linkId, user_id: userId })
      .onConflict((oc) => oc.columns(["link_id", "user_id"]).doNothing())
      .execute();
  }

  async forgetAdded(linkId: string, userId: string): Promise<void> {
    await this.db
      .deleteFrom("group_link_members")
      .where("link_id", "=", linkId)
      .where("user_id", "=", userId)
      .execute();
  }
}
