/**
 * Second factors of local accounts (see migration 028): TOTP secrets, recovery codes,
 * passkeys and WebAuthn challenges. Each "use" is one conditional UPDATE or DELETE, so two
 * nodes that get the same code or challenge at once accept it once.
 */
import { type Kysely, sql } from "kysely";
import type { AuthChallengesTable, Database } from "./schema.js";

export interface TotpFactor {
  secret: string;
  createdAt: number;
  confirmedAt: number | null;
  lastStep: number;
}

export interface StoredPasskey {
  id: string;
  userId: string;
  name: string;
  publicKey: string;
  counter: number;
  transports: string[];
  createdAt: number;
  lastUsedAt: number | null;
}

export type ChallengePurpose = AuthChallengesTable["purpose"];

function parseTransports(text: string): string[] {
  try {
    const parsed: unknown = JSON.parse(text);
    return Array.isArray(parsed) ? parsed.filter((t): t is string => typeof t === "string") : [];
  } catch {
    return [];
  }
}

export class SecondFactorStore {
  constructor(private readonly db: Kysely<Database>) {}

  async totpOf(userId: string): Promise<TotpFactor | undefined> {
    const row = await this.db
      .selectFrom("totp_factors")
      .selectAll()
      .where("user_id", "=", userId)
      .executeTakeFirst();
    if (!row) return undefined;
    return {
      secret: row.secret,
      createdAt: Number(row.created_at),
      confirmedAt: row.confirmed_at === null ? null : Number(row.confirmed_at),
      lastStep: Number(row.last_step),
    };
  }

  /** A new unconfirmed secret, replacing an unconfirmed one; false when one is confirmed. */
  async putPendingTotp(userId: string, secret: string, now: number): Promise<boolean> {
    await this.db
      .deleteFrom("totp_factors")
      .where("user_id", "=", userId)
      .where("confirmed_at", "is", null)
      .execute();
    const inserted = await this.db
      .insertInto("totp_factors")
      .values({ user_id: userId, secret, created_at: now, confirmed_at: null, last_step: 0 })
      .onConflict((oc) => oc.column("user_id").doNothing())
      .executeTakeFirst();
    return Number(inserted.numInsertedOrUpdatedRows ?? 0n) > 0;
  }

  /**
   * Takes time step `step` of the user's secret: true once per step, and only for a step
   * after the last one taken. `confirm` also confirms a pending secret.
   */
  async takeTotpStep(
    userId: string,
    step: number,
    now: number,
    confirm: boolean,
  ): Promise<boolean> {
    let update = this.db
      .updateTable("totp_factors")
      .set(confirm ? { last_step: step, confirmed_at: now } : { last_step: step })
      .where("user_id", "=", userId)
      .where("last_step", "<", step);
    update = confirm
      ? update.where("confirmed_at", "is", null)
      : update.where("confirmed_at", "is not", null);
    const result = await update.executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async removeTotp(userId: string): Promise<boolean> {
    const result = await this.db
      .deleteFrom("totp_factors")
      .where("user_id", "=", userId)
      .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async replaceRecoveryCodes(userId: string, hashes: string[], now: number): Promise<void> {
    await this.db.deleteFrom("recovery_codes").where("user_id", "=", userId).execute();
    if (hashes.length === 0) return;
    await this.db
      .insertInto("recovery_codes")
      .values(
        hashes.map((h) => ({ user_id: userId, code_hash: h, created_at: now, used_at: null })),
      )
      .execute();
  }

  /** Marks an unused code used; false when it is unknown or was used already. */
  async useRecoveryCode(userId: string, hash: string, now: number): Promise<boolean> {
    const result = await this.db
      .updateTable("recovery_codes")
      .set({ used_at: now })
      .where("user_id", "=", userId)
      .where("code_hash", "=", hash)
      .where("used_at", "is", null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async recoveryCodesLeft(userId: string): Promise<number> {
    const row = await this.db
      .selectFrom("recovery_codes")
      .select(sql<number>`count(*)`.as("n"))
      .where("user_id", "=", userId)
      .where("used_at", "is", null)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async addPasskey(passkey: StoredPasskey): Promise<void> {
    await this.db
      .insertInto("passkeys")
      .values({
        id: passkey.id,
        user_id: passkey.userId,
        name: passkey.name,
        public_key: passkey.publicKey,
        counter: passkey.counter,
        transports: JSON.stringify(passkey.transports),
        created_at: passkey.createdAt,
        last_used_at: null,
      })
      .execute();
  }

  async passkeysOf(userId: string): Promise<StoredPasskey[]> {
    const rows = await this.db
      .selectFrom("passkeys")
      .selectAll()
      .where("user_id", "=", userId)
      .orderBy("created_at")
      .orderBy("id")
      .execute();
    return rows.map((row) => this.toPasskey(row));
  }

  async passkeyById(id: string): Promise<StoredPasskey | undefined> {
    const row = await this.db
      .selectFrom("passkeys")
      .selectAll()
      .where("id", "=", id)
      .executeTakeFirst();
    return row ? this.toPasskey(row) : undefined;
  }

  private toPasskey(row: Database["passkeys"]): StoredPasskey {
    return {
      id: row.id,
      userId: row.user_id,
      name: row.name,
      publicKey: row.public_key,
      counter: Number(row.counter),
      transports: parseTransports(row.transports),
      createdAt: Number(row.created_at),
      lastUsedAt: row.last_used_at === null ? null : Number(row.last_used_at),
    };
  }

  /**
   * Records a sign-in with a passkey: its counter moves from `from` to `to` only if no
   * other sign-in moved it meanwhile.
   */
  async usePasskey(id: string, from: number, to: number, now: number): Promise<boolean> {
    const result = await this.db
      .updateTable("passkeys")
      .set({ counter: to, last_used_at: now })
      .where("id", "=", id)
      .where("counter", "=", from)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async removePasskey(userId: string, id: string): Promise<boolean> {
    const result = await this.db
      .deleteFrom("passkeys")
      .where("user_id", "=", userId)
      .where("id", "=", id)
      .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  /** Every factor of an account: an admin's reset, or the account's deletion. */
  async removeAll(userId: string): Promise<void> {
    await this.db.deleteFrom("totp_factors").where("user_id", "=", userId).execute();
    await this.db.deleteFrom("recovery_codes").where("user_id", "=", userId).execute();
    await this.db.deleteFrom("passkeys").where("user_id", "=", userId).execute();
    await this.db.deleteFrom("auth_challenges").where("user_id", "=", userId).execute();
    await this.refreshFlag(userId);
  }

  /** Sets `users.second_factor` from what the account holds now. */
  async refreshFlag(userId: string): Promise<boolean> {
    const totp = await this.db
      .selectFrom("totp_factors")
      .select("user_id")
      .where("user_id", "=", userId)
      .where("confirmed_at", "is not", null)
      .executeTakeFirst();
    const passkey = totp
      ? undefined
      : await this.db
          .selectFrom("passkeys")
          .select("id")
          .where("user_id", "=", userId)
          .limit(1)
          .executeTakeFirst();
    const has = totp !== undefined || passkey !== undefined;
    await this.db
      .updateTable("users")
      .set({ second_factor: has ? 1 : 0 })
      .where("id", "=", userId)
      .execute();
    return has;
  }

  async addChallenge(
    challenge: string,
    purpose: ChallengePurpose,
    userId: string | null,
    expiresAt: number,
    now: number,
  ): Promise<void> {
    // Challenges nobody answered go as new ones come.
    await this.db.deleteFrom("auth_challenges").where("expires_at", "<=", now).execute();
    await this.db
      .insertInto("auth_challenges")
      .values({ challenge, purpose, user_id: userId, expires_at: expiresAt })
      .execute();
  }

  /** Takes a live challenge once: the user it was made for (null: anyone), or undefined. */
  async takeChallenge(
    challenge: string,
    purpose: ChallengePurpose,
    now: number,
  ): Promise<{ userId: string | null } | undefined> {
    const row = await this.db
      .deleteFrom("auth_challenges")
      .where("challenge", "=", challenge)
      .where("purpose", "=", purpose)
      .returning(["user_id", "expires_at"])
      .executeTakeFirst();
    if (!row || Number(row.expires_at) <= now) return undefined;
    return { userId: row.user_id };
  }

  /**
   * Since when the server has required second factors of `scope` ("admins" or
   * "everyone"): the first start with that setting, kept across restarts so the grace
   * period is not restarted by them; forgotten when the requirement changes or ends.
   */
  async requirementSince(scope: "off" | "admins" | "everyone", now: number): Promise<number> {
    const names = ["require_2fa.admins", "require_2fa.everyone"];
    const name = `require_2fa.${scope}`;
    await this.db
      .deleteFrom("server_state")
      .where(
        "name",
        "in",
        names.filter((n) => n !== name),
      )
      .execute();
    if (scope === "off") return now;
    await this.db
      .insertInto("server_state")
      .values({ name, value: now })
      .onConflict((oc) => oc.column("name").doNothing())
      .execute();
    const row = await this.db
      .selectFrom("server_state")
      .select("value")
      .where("name", "=", name)
      .executeTakeFirstOrThrow();
    return Number(row.value);
  }
}
