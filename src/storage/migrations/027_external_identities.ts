/**
 * Accounts linked to an identity elsewhere: an OpenID Connect provider's subject
 * (`provider` = "oidc:<id>") or a directory entry ("ldap"). Linked by that provider's
 * stable id for the person, never by a username or an e-mail address, which change
 * hands.
 * Frozen in time: never import application types here.
 */
import type { Kysely, Migration } from "kysely";

export const externalIdentities: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable("external_identities")
      .addColumn("provider", "text", (c) => c.notNull())
      .addColumn("subject", "text", (c) => c.notNull())
      .addColumn("user_id", "text", (c) => c.notNull().references("users.id").onDelete("cascade"))
      .addColumn("created_at", "bigint", (c) => c.notNull())
      .addPrimaryKeyConstraint("external_identities_pk", ["provider", "subject"])
      .execute();
    await db.schema
      .createIndex("external_identities_user")
      .on("external_identities")
      .column("user_id")
      .execute();
  },
};
