/**
 * OpenID Connect sign-ins under way, on whichever node the browser comes back to.
 *
 * `oidc_sign_ins`: one row per sign-in started, keyed by its `state`, with the PKCE
 * verifier and the nonce the provider's answer must match; taken once, for ten minutes.
 * `for_terminal`: started by the terminal client, whose person pastes the code.
 * `oidc_handoffs`: the one-time code a finished sign-in hands the web app in its URL's
 * fragment (SHA-256 only), exchanged once, within five minutes, for the session's token,
 * so that no token travels in a URL.
 * `external_identities` gains what the periodic check needs: the provider's refresh
 * token (sealed with a key from the JWT secret), and when a node last checked it (a
 * conditional update on it is the claim: one node checks a person at a time).
 * Frozen in time: never import application types here.
 */
import type { Kysely, Migration } from "kysely";

export const oidcSignIns: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable("oidc_sign_ins")
      .addColumn("state", "text", (c) => c.primaryKey())
      .addColumn("provider", "text", (c) => c.notNull())
      .addColumn("code_verifier", "text", (c) => c.notNull())
      .addColumn("nonce", "text", (c) => c.notNull())
      .addColumn("for_terminal", "integer", (c) => c.notNull().defaultTo(0))
      .addColumn("expires_at", "bigint", (c) => c.notNull())
      .execute();
    await db.schema
      .createTable("oidc_handoffs")
      .addColumn("code_hash", "text", (c) => c.primaryKey())
      .addColumn("session_id", "text", (c) =>
        c.notNull().references("sessions.id").onDelete("cascade"),
      )
      .addColumn("expires_at", "bigint", (c) => c.notNull())
      .execute();
    await db.schema.alterTable("external_identities").addColumn("refresh_token", "text").execute();
    await db.schema.alterTable("external_identities").addColumn("checked_at", "bigint").execute();
  },
};
