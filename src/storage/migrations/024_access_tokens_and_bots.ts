/**
 * Personal access tokens and bots.
 *
 * A token is a session of its own kind (`sessions.kind = 'token'`, its `scopes` a JSON
 * array), so that everything that ends a session (revocation on every node, a disabled
 * account, the sweep of ended sessions) ends a token the same way. `access_tokens` holds
 * what only a token has: its name and the hash of its secret.
 *
 * A bot is a user with `is_bot = 1` and an `owner_id`: the person who made it.
 * Frozen in time: never import application types here.
 */
import type { Kysely, Migration } from "kysely";

export const accessTokensAndBots: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .alterTable("sessions")
      .addColumn("kind", "text", (c) => c.notNull().defaultTo("password"))
      .execute();
    await db.schema.alterTable("sessions").addColumn("scopes", "text").execute();
    await db.schema
      .createTable("access_tokens")
      .addColumn("session_id", "text", (c) =>
        c.primaryKey().references("sessions.id").onDelete("cascade"),
      )
      .addColumn("user_id", "text", (c) => c.notNull())
      .addColumn("name", "text", (c) => c.notNull())
      .addColumn("token_hash", "text", (c) => c.notNull().unique())
      .addColumn("created_by", "text", (c) => c.notNull())
      .addColumn("expires_at", "bigint")
      .execute();
    await db.schema
      .createIndex("access_tokens_user")
      .on("access_tokens")
      .column("user_id")
      .execute();
    await db.schema
      .alterTable("users")
      .addColumn("is_bot", "integer", (c) => c.notNull().defaultTo(0))
      .execute();
    await db.schema.alterTable("users").addColumn("owner_id", "text").execute();
    await db.schema.createIndex("users_owner").on("users").column("owner_id").execute();
  },
};
