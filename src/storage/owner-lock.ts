/**
 * Holding a person's row for the rest of a transaction, so that two writes of one person
 * that must not pass a per-person limit together (devices, key-backup quotas) take turns.
 */
import type { Kysely } from "kysely";
import type { Database } from "./schema.js";
import type { DatabaseType } from "./store.js";

/** SQLite runs one write transaction at a time (`begin immediate`): that is the lock already. */
export async function lockOwnerRow(
  db: Kysely<Database>,
  type: DatabaseType,
  userId: string,
): Promise<void> {
  if (type !== "postgres") return;
  await db.selectFrom("users").select("id").where("id", "=", userId).forUpdate().execute();
}
