/**
 * Linking an existing account to a sign-in provider from Settings: a sign-in started to
 * link (`link_user_id`, the account asking) ends by linking the provider's subject to that
 * account instead of starting a session — only in the browser that started it
 * (`link_binding`: the SHA-256 of a value in that browser's cookie).
 * Frozen in time: never import application types here.
 */
import type { Kysely, Migration } from "kysely";

export const providerLinks: Migration = {
  async up(db: Kysely<any>) {
    await db.schema.alterTable("oidc_sign_ins").addColumn("link_user_id", "text").execute();
    await db.schema.alterTable("oidc_sign_ins").addColumn("link_binding", "text").execute();
  },
};
