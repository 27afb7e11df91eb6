/**
 * Invite codes, each good for `maxUses` accounts. Only a hash of each code is stored, so a database leak does not
 * hand out working invites.
 */
import { createHash } from "node:crypto";
import type { Kysely, Selectable } from "kysely";
import type { Database, InvitesTable } from "./schema.js";

export interface Invite {
  id: string;
  createdBy: string | null;
  createdAt: number;
  expiresAt: number | null;
  /** The account that used the code last, and when. */
  usedBy: string | null;
  usedAt: number | null;
  revokedAt: number | null;
  maxUses: number;
  uses: number;
}

export function hashInviteCode(code: string): string {
  return createHash("sha256").update(code.trim()).digest("hex");
}

function toInvite(row: Selectable<InvitesTable>): Invite {
  return {
    id: row.id,
    createdBy: row.created_by,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    usedBy: row.used_by,
    usedAt: row.used_at,
    revokedAt: row.revoked_at,
    maxUses: row.max_uses,
    uses: row.uses,
  };
}

export class InviteStore {
  constructor(private readonly db: Kysely<Database>) {}

  async create(input: {
    id: string;
    code: string;
    createdBy: string | null;
    now: number;
    expiresAt: number | null;
    /** 1 unless told. */
    maxUses?: number;
  }): Promise<Invite> {
    const row = {
      id: input.id,
      code_hash: hashInviteCode(input.code),
      created_by: input.createdBy,
      created_at: input.now,
      expires_at: input.expiresAt,
      used_by: null,
      used_at: null,
      revoked_at: null,
      max_uses: input.maxUses ?? 1,
      uses: 0,
    };
    await this.db.insertInto("invites").values(row).execute();
    return toInvite(row);
  }

  /**
   * Whether `code` names an invite that could be used now, without using it: registration
   * asks this before anything else, so a bad code answers the same whatever the username.
   */
  async usable(code: string, now: number): Promise<boolean> {
    const row = await this.db
      .selectFrom("invites")
      .select("id")
      .where("code_hash", "=", hashInviteCode(code))
      .where((eb) => eb("uses", "<", eb.ref("max_uses")))
      .where("revoked_at", "is", null)
      .where((eb) => eb.or([eb("expires_at", "is", null), eb("expires_at", ">", now)]))
      .executeTakeFirst();
    return row !== undefined;
  }

  /**
   * Counts a use of a usable invite by `userId`; false when the code is unknown or spent.
   * One conditional update, so two registrations racing for the last use cannot both win.
   */
  async consume(code: string, userId: string, now: number): Promise<boolean> {
    const result = await this.db
      .updateTable("invites")
      .set((eb) => ({ used_by: userId, used_at: now, uses: eb("uses", "+", 1) }))
      .where("code_hash", "=", hashInviteCode(code))
      .where((eb) => eb("uses", "<", eb.ref("max_uses")))
      .where("revoked_at", "is", null)
      .where((eb) => eb.or([eb("expires_at", "is", null), eb("expires_at", ">", now)]))
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  async list(): Promise<Invite[]> {
    const rows = await this.db
      .selectFrom("invites")
      .selectAll()
      .orderBy("created_at", "desc")
      .execute();
    return rows.map(toInvite);
  }

  async revoke(id: string, now: number): Promise<boolean> {
    const result = await this.db
      .updateTable("invites")
      .set({ revoked_at: now })
      .where("id", "=", id)
      .where((eb) => eb("uses", "<", eb.ref("max_uses")))
      .where("revoked_at", "is", null)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }
}
