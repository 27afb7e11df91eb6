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

  async removeForUser(userId: string): Promise<void> {
    await this.db.deleteFrom("external_identities").where("user_id", "=", userId).execute();
  }
}
