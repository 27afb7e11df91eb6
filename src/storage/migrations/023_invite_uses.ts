/**
 * An invite code may open more than one account: `max_uses` says how many, `uses` counts
 * them (an existing invite is single-use, used once if it was). Frozen in time: never
 * import application types here.
 */
import { type Kysely, type Migration, sql } from "kysely";

export const inviteUses: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .alterTable("invites")
      .addColumn("max_uses", "integer", (c) => c.notNull().defaultTo(1))
      .execute();
    await db.schema
      .alterTable("invites")
      .addColumn("uses", "integer", (c) => c.notNull().defaultTo(0))
      .execute();
    await db
      .updateTable("invites")
      .set({ uses: sql`1` })
      .where("used_at", "is not", null)
      .execute();
  },
};
