/**
 * Personal access tokens: the name and secret hash of a token, beside the session row
 * (kind "token") that carries its scopes, expiry, last use and revocation.
 */
import type { TokenScope } from "@private-chat/protocol/tokens";
import type { Kysely } from "kysely";
import type { Database } from "./schema.js";

export interface AccessToken {
  /** The id of the token's session. */
  id: string;
  userId: string;
  name: string;
  scopes: TokenScope[];
  createdBy: string;
  createdAt: number;
  lastUsedAt: number | null;
  /** Null: the token does not expire. */
  expiresAt: number | null;
}

export interface NewAccessToken {
  sessionId: string;
  userId: string;
  name: string;
  tokenHash: string;
  createdBy: string;
  expiresAt: number | null;
}

export class AccessTokenStore {
  constructor(private readonly db: Kysely<Database>) {}

  /** Stores a token; its session row (kind "token") is created first, in the same transaction. */
  async create(token: NewAccessToken): Promise<void> {
    await this.db
      .insertInto("access_tokens")
      .values({
        session_id: token.sessionId,
        user_id: token.userId,
        name: token.name,
        token_hash: token.tokenHash,
        created_by: token.createdBy,
        expires_at: token.expiresAt,
      })
      .execute();
  }

  /** The session and user a secret's hash names, whether or not it is still live. */
  async byHash(tokenHash: string): Promise<{ sessionId: string; userId: string } | undefined> {
    const row = await this.db
      .selectFrom("access_tokens")
      .select(["session_id", "user_id"])
      .where("token_hash", "=", tokenHash)
      .executeTakeFirst();
    return row ? { sessionId: row.session_id, userId: row.user_id } : undefined;
  }

  /** A user's live tokens, newest first. */
  async listLive(userId: string, now: number): Promise<AccessToken[]> {
    const rows = await this.db
      .selectFrom("access_tokens as t")
      .innerJoin("sessions as s", "s.id", "t.session_id")
      .select([
        "t.session_id",
        "t.user_id",
        "t.name",
        "t.created_by",
        "t.expires_at",
        "s.scopes",
        "s.created_at",
        "s.last_seen_at",
      ])
      .where("t.user_id", "=", userId)
      .where("s.revoked_at", "is", null)
      .where("s.expires_at", ">", now)
      .orderBy("s.created_at", "desc")
      .execute();
    return rows.map((row) => ({
      id: row.session_id,
      userId: row.user_id,
      name: row.name,
      scopes: JSON.parse(row.scopes ?? "[]") as TokenScope[],
      createdBy: row.created_by,
      createdAt: row.created_at,
      // A token's session is stamped at creation; unused until it is seen again.
      lastUsedAt: row.last_seen_at > row.created_at ? row.last_seen_at : null,
      expiresAt: row.expires_at,
    }));
  }

  /** Forgets the secret's hash of a revoked token: nothing can match it again. */
  async forget(sessionIds: string[]): Promise<void> {
    if (sessionIds.length === 0) return;
    await this.db.deleteFrom("access_tokens").where("session_id", "in", sessionIds).execute();
  }
}
