/**
 * Groups of a sign-in provider or a directory linked to group conversations, so that
 * "everyone in engineering" stays true as people join and leave the group there.
 *
 * `group_links`: one row per (source, group, conversation), `source` being
 * "oidc:<provider id>" or "ldap". `group_link_members`: the members a link added, the
 * only ones it takes out again (someone an admin added stays when the group changes).
 * Frozen in time: never import application types here.
 */
import type { Kysely, Migration } from "kysely";

export const groupLinks: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable("group_links")
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("source", "text", (c) => c.notNull())
      .addColumn("group_name", "text", (c) => c.notNull())
      .addColumn("conversation_id", "text", (c) =>
        c.notNull().references("conversations.id").onDelete("cascade"),
      )
      .addColumn("created_by", "text", (c) => c.notNull())
      .addColumn("created_at", "bigint", (c) => c.notNull())
      .addUniqueConstraint("group_links_unique", ["source", "group_name", "conversation_id"])
      .execute();
    await db.schema
      .createTable("group_link_members")
      .addColumn("link_id", "text", (c) =>
        c.notNull().references("group_links.id").onDelete("cascade"),
      )
      .addColumn("user_id", "text", (c) => c.notNull())
      .addPrimaryKeyConstraint("group_link_members_pk", ["link_id", "user_id"])
      .execute();
  },
};
