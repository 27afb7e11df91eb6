/**
 * Deleted accounts. `users.deleted_at` marks an account its person (or an admin)
 * deleted: it keeps its id, so messages and memberships still point somewhere, but its
 * name, display name and password are gone and it can never sign in again.
 *
 * `account_erasures`: with `[accounts] on_delete = "erase"`, the conversations whose
 * messages by a deleted account are still to be erased, and how far (`erased_seq`) the
 * erasure got in each; the retention sweep works through them in small transactions and
 * removes a row when its conversation is done, so a stopped erasure goes on.
 * Frozen in time: never import application types here.
 */
import type { Kysely, Migration } from "kysely";

export const accountDeletion: Migration = {
  async up(db: Kysely<any>) {
    await db.schema.alterTable("users").addColumn("deleted_at", "bigint").execute();
    await db.schema
      .createTable("account_erasures")
      .addColumn("user_id", "text", (c) => c.notNull())
      .addColumn("conversation_id", "text", (c) => c.notNull())
      .addColumn("erased_seq", "bigint", (c) => c.notNull().defaultTo(0))
      .addPrimaryKeyConstraint("account_erasures_pk", ["user_id", "conversation_id"])
      .execute();
  },
};
