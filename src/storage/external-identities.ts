/**
 * Accounts linked to an identity elsewhere (migration 027): an OpenID Connect provider's
 * subject or a directory entry, looked up by that provider's stable id for the person.
 */
import type { Kysely } from "kysely";
import { isUniqueViolation } from "./errors.js";
import type { Database } from "./schema.js";

export interface ExternalIdentity {
  provider: string;
  subject: string;
  userId: string;
  createdAt: number;
}

export class ExternalIdentityStore {
  constructor(private readonly db: Kysely<Database>) {}

  async userOf(provider: string, subject: string): Promise<string | undefined> {
    const row = await this.db
      .selectFrom("external_identities")
      .select("user_id")
      .where("provider", "=", provider)
      .where("subject", "=", subject)
      .executeTakeFirst();
    return row?.user_id;
  }

  /** Links; false when the identity is linked already (to this or another account). */
  async link(identity: ExternalIdentity): Promise<boolean> {
    try {
      await this.db
        .insertInto("external_identities")
        .values({
          provider: identity.provider,
          subject: identity.subject,
          user_id: identity.userId,
          created_at: identity.createdAt,
        })
        .execute();
      return true;
    } catch (err) {
      if (isUniqueViolation(err)) return false;
      throw err;
    }
  }

  async ofUser(userId: string): Promise<ExternalIdentity[]> {
    const rows = await this.db
      .selectFrom("external_identities")
      .selectAll()
      .where("user_id", "=", userId)
      .orderBy("provider")
      .execute();
    return rows.map((r) => ({
      provider: r.provider,
      subject: r.subject,
      userId: r.user_id,
      createdAt: Number(r.created_at),
    }));
  }

  /** Every link of one provider: what its periodic check goes through. */
  async ofProvider(provider: string): Promise<{ subject: string; userId: string }[]> {
    const rows = await this.db
      .selectFrom("external_identities")
      .select(["subject", "user_id"])
      .where("provider", "=", provider)
      .orderBy("subject")
      .execute();
    return rows.map((r) => ({ subject: r.subject, userId: r.user_id }));
  }

  async setRefreshToken(provider: string, subject: string, sealed: string | null, now: number) {
    await this.db
      .updateTable("external_identities")
      .set({ refresh_token: sealed, checked_at: now })
      .where("provider", "=", provider)
      .where("subject", "=", subject)
      .execute();
  }

  /**
   * Claims up to `limit` of a provider's people with a refresh token not checked since
   * `before`: each claim is a conditional update, so of two nodes one checks a person.
   */
  async claimForCheck(
    provider: string,
    before: number,
    now: number,
    limit: number,
  ): Promise<{ subject: string; userId: string; refreshToken: string }[]> {
    const claimed = await this.claimDue(provider, before, now, limit, true);
    return claimed.flatMap((row) =>
      row.refresh_token
        ? [{ subject: row.subject, userId: row.user_id, refreshToken: row.refresh_token }]
        : [],
    );
  }

  /**
   * Claims up to `limit` of a provider's people not checked since `before`, whether or not
   * they have a refresh token (a directory needs none): of two nodes, one checks a person.
   */
  async claimLinksForCheck(
    provider: string,
    before: number,
    now: number,
    limit: number,
  ): Promise<{ subject: string; userId: string }[]> {
    const claimed = await this.claimDue(provider, before, now, limit, false);
    return claimed.map((row) => ({ subject: row.subject, userId: row.user_id }));
  }

  /** The links due a check, each taken by a conditional update of checked_at. */
  private async claimDue(
    provider: string,
    before: number,
    now: number,
    limit: number,
    withRefreshToken: boolean,
  ) {
    let query = this.db
      .selectFrom("external_identities")
      .select(["subject", "user_id", "refresh_token", "checked_at"])
      .where("provider", "=", provider)
      .where((eb) => eb.or([eb("checked_at", "is", null), eb("checked_at", "<", before)]));
    if (withRefreshToken) query = query.where("refresh_token", "is not", null);
    const due = await query.orderBy("checked_at").limit(limit).execute();
    const claimed: typeof due = [];
    for (const row of due) {
      const taken = await this.db
        .updateTable("external_identities")
        .set({ checked_at: now })
        .where("provider", "=", provider)
        .where("subject", "=", row.subject)
        .where((eb) =>
          row.checked_at === null
            ? eb("checked_at", "is", null)
            : eb("checked_at", "=", row.checked_at),
        )
        .executeTakeFirst();
      if (Number(taken.numUpdatedRows) > 0) claimed.push(row);
    }
    return claimed;
  }

  /** Removes the account's link to one provider; false when there was none. */
  async unlink(provider: string, userId: string): Promise<boolean> {
    const result = await this.db
      .deleteFrom("external_identities")
      .where("provider", "=", provider)
      .where("user_id", "=", userId)
      .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async removeForUser(userId: string): Promise<void> {
    await this.db.deleteFrom("external_identities").where("user_id", "=", userId).execute();
  }
}
