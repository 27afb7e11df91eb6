/**
 * Login sessions. Every token names one session (its `jti`); revoking the row ends the
 * token at once.
 */
import type { TokenScope } from "@private-chat/protocol/tokens";
import type { Kysely, Selectable } from "kysely";
import type { Database, SessionsTable } from "./schema.js";

export type SessionKind = "password" | "token";

export interface Session {
  id: string;
  userId: string;
  createdAt: number;
  lastSeenAt: number;
  expiresAt: number;
  userAgent: string;
  ip: string;
  revokedAt: number | null;
  kind: SessionKind;
  /** A token's scopes; null for a sign-in, which has all of its user's rights. */
  scopes: TokenScope[] | null;
  /** How a sign-in was made: "password", "password+totp", "passkey", ...; null for a token. */
  method: string | null;
}

function toSession(row: Selectable<SessionsTable>): Session {
  return {
    id: row.id,
    userId: row.user_id,
    createdAt: row.created_at,
    lastSeenAt: row.last_seen_at,
    expiresAt: row.expires_at,
    userAgent: row.user_agent,
    ip: row.ip,
    revokedAt: row.revoked_at,
    kind: row.kind ?? "password",
    scopes: row.scopes === null ? null : (JSON.parse(row.scopes) as TokenScope[]),
    method: row.method ?? null,
  };
}

export class SessionStore {
  constructor(private readonly db: Kysely<Database>) {}

  async create(
    session: Omit<Session, "revokedAt" | "lastSeenAt" | "kind" | "scopes" | "method"> &
      Partial<Pick<Session, "kind" | "scopes" | "method">>,
  ): Promise<Session> {
    const row = {
      id: session.id,
      user_id: session.userId,
      created_at: session.createdAt,
      last_seen_at: session.createdAt,
      expires_at: session.expiresAt,
      user_agent: session.userAgent.slice(0, 512),
      ip: session.ip.slice(0, 64),
      revoked_at: null,
      // A sign-in leaves kind and scopes to their defaults, so a database from before
      // tokens stays writable (the migration tests build such data).
      ...(session.kind === "token"
        ? { kind: "token" as const, scopes: JSON.stringify(session.scopes ?? []) }
        : {}),
      ...(session.method ? { method: session.method.slice(0, 64) } : {}),
    };
    await this.db.insertInto("sessions").values(row).execute();
    return toSession({ kind: "password", scopes: null, method: null, ...row });
  }

  async byId(id: string): Promise<Session | undefined> {
    const row = await this.db
      .selectFrom("sessions")
      .selectAll()
      .where("id", "=", id)
      .executeTakeFirst();
    return row ? toSession(row) : undefined;
  }

  /** Sign-ins that can still be used, newest first (tokens are listed on their own). */
  async listActive(userId: string, now: number): Promise<Session[]> {
    const rows = await this.db
      .selectFrom("sessions")
      .selectAll()
      .where("user_id", "=", userId)
      .where("kind", "=", "password")
      .where("revoked_at", "is", null)
      .where("expires_at", ">", now)
      .orderBy("created_at", "desc")
      .execute();
    return rows.map(toSession);
  }

  async touch(id: string, now: number): Promise<void> {
    await this.db.updateTable("sessions").set({ last_seen_at: now }).where("id", "=", id).execute();
  }

  /** Revokes one session of a user; false when it was not theirs or already ended. */
  async revoke(id: string, userId: string, now: number): Promise<boolean> {
    const result = await this.db
      .updateTable("sessions")
      .set({ revoked_at: now })
      .where("id", "=", id)
      .where("user_id", "=", userId)
      .where("revoked_at", "is", null)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  /** Revokes every live session of a user but `exceptId`; returns the revoked ids. */
  revokeAllForUser(userId: string, now: number, exceptId?: string): Promise<string[]> {
    return this.revokeLive(userId, now, exceptId ? { exceptId } : {});
  }

  /** Revokes the live sessions of a user signed in one way (say "oidc:corp"); their ids. */
  revokeByMethod(userId: string, method: string, now: number): Promise<string[]> {
    return this.revokeLive(userId, now, { method });
  }

  private async revokeLive(
    userId: string,
    now: number,
    only: { exceptId?: string; method?: string },
  ): Promise<string[]> {
    let query = this.db
      .selectFrom("sessions")
      .select("id")
      .where("user_id", "=", userId)
      .where("revoked_at", "is", null);
    if (only.exceptId) query = query.where("id", "!=", only.exceptId);
    if (only.method) query = query.where("method", "=", only.method);
    const ids = (await query.execute()).map((r) => r.id);
    if (ids.length > 0) {
      await this.db
        .updateTable("sessions")
        .set({ revoked_at: now })
        .where("id", "in", ids)
        .execute();
    }
    return ids;
  }

  /** Revokes every live session on the server; returns how many. */
  async revokeAll(now: number): Promise<number> {
    const result = await this.db
      .updateTable("sessions")
      .set({ revoked_at: now })
      .where("revoked_at", "is", null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  /**
   * Of the given sessions, those no longer usable at `now`: revoked, expired, gone, or
   * belonging to a disabled user (or a bot of a disabled owner).
   */
  async endedAmong(ids: string[], now: number): Promise<Set<string>> {
    const alive = new Set<string>();
    for (let i = 0; i < ids.length; i += 500) {
      const rows = await this.db
        .selectFrom("sessions as s")
        .innerJoin("users as u", "u.id", "s.user_id")
        .leftJoin("users as owner", "owner.id", "u.owner_id")
        .select("s.id")
        .where("s.id", "in", ids.slice(i, i + 500))
        .where("s.revoked_at", "is", null)
        .where("s.expires_at", ">", now)
        .where("u.disabled", "=", 0)
        // A bot whose owner is disabled or gone is disabled with them.
        .where((eb) => eb.or([eb("u.owner_id", "is", null), eb("owner.disabled", "=", 0)]))
        .execute();
      for (const row of rows) alive.add(row.id);
    }
    return new Set(ids.filter((id) => !alive.has(id)));
  }

  /** Deletes sessions that ended long ago, so the table does not grow forever. */
  async purgeEnded(before: number): Promise<number> {
    const result = await this.db
      .deleteFrom("sessions")
      .where((eb) => eb.or([eb("expires_at", "<", before), eb("revoked_at", "<", before)]))
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
