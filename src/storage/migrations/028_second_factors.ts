/**
 * Second factors of local accounts: an authenticator app's TOTP secret, recovery codes
 * and passkeys (WebAuthn credentials), with the one-time challenges WebAuthn signs.
 *
 * `totp_factors` keeps the secret as it is (the server computes codes from it) and the
 * last time step a code was accepted for, so a code is good once. It is unconfirmed
 * (`confirmed_at` null) until a first code proves the app holds it.
 * `recovery_codes` keeps SHA-256 hashes only; a used code keeps its row with `used_at`.
 * `passkeys` keeps each credential's public key and signature counter (a counter that
 * goes back means a cloned authenticator).
 * `auth_challenges` holds the challenges handed out for a passkey's enrolment or sign-in,
 * each used once, on whichever node the answer reaches.
 * `users.second_factor` says whether an account has one (read with the account on every
 * request, so a required second factor costs no query), and `sessions.method` how a
 * session was signed in.
 * Frozen in time: never import application types here.
 */
import type { Kysely, Migration } from "kysely";

export const secondFactors: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable("totp_factors")
      .addColumn("user_id", "text", (c) =>
        c.primaryKey().references("users.id").onDelete("cascade"),
      )
      .addColumn("secret", "text", (c) => c.notNull())
      .addColumn("created_at", "bigint", (c) => c.notNull())
      .addColumn("confirmed_at", "bigint")
      .addColumn("last_step", "bigint", (c) => c.notNull().defaultTo(0))
      .execute();
    await db.schema
      .createTable("recovery_codes")
      .addColumn("user_id", "text", (c) => c.notNull().references("users.id").onDelete("cascade"))
      .addColumn("code_hash", "text", (c) => c.notNull())
      .addColumn("created_at", "bigint", (c) => c.notNull())
      .addColumn("used_at", "bigint")
      .addPrimaryKeyConstraint("recovery_codes_pk", ["user_id", "code_hash"])
      .execute();
    await db.schema
      .createTable("passkeys")
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("user_id", "text", (c) => c.notNull().references("users.id").onDelete("cascade"))
      .addColumn("name", "text", (c) => c.notNull())
      .addColumn("public_key", "text", (c) => c.notNull())
      .addColumn("counter", "bigint", (c) => c.notNull())
      .addColumn("transports", "text", (c) => c.notNull())
      .addColumn("created_at", "bigint", (c) => c.notNull())
      .addColumn("last_used_at", "bigint")
      .execute();
    await db.schema.createIndex("passkeys_user").on("passkeys").column("user_id").execute();
    await db.schema
      .createTable("auth_challenges")
      .addColumn("challenge", "text", (c) => c.primaryKey())
      .addColumn("purpose", "text", (c) => c.notNull())
      .addColumn("user_id", "text")
      .addColumn("expires_at", "bigint", (c) => c.notNull())
      .execute();
    await db.schema
      .alterTable("users")
      .addColumn("second_factor", "integer", (c) => c.notNull().defaultTo(0))
      .execute();
    await db.schema.alterTable("sessions").addColumn("method", "text").execute();
  },
};
