/**
 * OpenID Connect sign-ins under way (migration 029): the state, PKCE verifier and nonce
 * of each one started, and the one-time codes that hand a finished one to the web app.
 * Each is taken once with a DELETE ... RETURNING, so two nodes cannot both use it.
 */
import type { Kysely } from "kysely";
import type { Database } from "./schema.js";

export interface PendingOidcSignIn {
  provider: string;
  codeVerifier: string;
  nonce: string;
  /** Started by the terminal client: the browser shows the code instead of using it. */
  forTerminal: boolean;
  /** Started from Settings by this account, to link it to the provider. */
  linkUserId: string | null;
  /** SHA-256 of the cookie that ties a link to the browser that started it. */
  linkBinding: string | null;
}

export class OidcSignInStore {
  constructor(private readonly db: Kysely<Database>) {}

  async start(state: string, pending: PendingOidcSignIn, expiresAt: number, now: number) {
    // Sign-ins nobody finished go as new ones start.
    await this.db.deleteFrom("oidc_sign_ins").where("expires_at", "<=", now).execute();
    await this.db
      .insertInto("oidc_sign_ins")
      .values({
        state,
        provider: pending.provider,
        code_verifier: pending.codeVerifier,
        nonce: pending.nonce,
        for_terminal: pending.forTerminal ? 1 : 0,
        link_user_id: pending.linkUserId,
        link_binding: pending.linkBinding,
        expires_at: expiresAt,
      })
      .execute();
  }

  async take(state: string, now: number): Promise<PendingOidcSignIn | undefined> {
    const row = await this.db
      .deleteFrom("oidc_sign_ins")
      .where("state", "=", state)
      .returningAll()
      .executeTakeFirst();
    if (!row || Number(row.expires_at) <= now) return undefined;
    return {
      provider: row.provider,
      codeVerifier: row.code_verifier,
      nonce: row.nonce,
      forTerminal: row.for_terminal === 1,
      linkUserId: row.link_user_id,
      linkBinding: row.link_binding,
    };
  }

  async handOff(codeHash: string, sessionId: string, expiresAt: number, now: number) {
    await this.db.deleteFrom("oidc_handoffs").where("expires_at", "<=", now).execute();
    await this.db
      .insertInto("oidc_handoffs")
      .values({ code_hash: codeHash, session_id: sessionId, expires_at: expiresAt })
      .execute();
  }

  /** The session a one-time code hands over, once, while it is fresh. */
  async takeHandoff(codeHash: string, now: number): Promise<string | undefined> {
    const row = await this.db
      .deleteFrom("oidc_handoffs")
      .where("code_hash", "=", codeHash)
      .returning(["session_id", "expires_at"])
      .executeTakeFirst();
    if (!row || Number(row.expires_at) <= now) return undefined;
    return row.session_id;
  }
}
