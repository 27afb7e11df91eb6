/**
 * History shares between one person's devices (migration 036, docs/E2EE.md): sealed
 * archives and what opens them, as base64url text, and their sizes. Deleting removes the
 * rows: SQLite (secure_delete) overwrites what they held, and PostgreSQL's autovacuum
 * reclaims the old row versions (docs/ADMIN.md, "What deletion removes").
 */
import { type Kysely, sql } from "kysely";
import type { Database } from "./schema.js";
import type { HistorySharesTable } from "./schema-devices.js";

export type StoredHistoryShare = HistorySharesTable;
export type HistoryShareRow = Omit<
  HistorySharesTable,
  "key_package_ref" | "enc" | "wrapped_key" | "signature" | "archive"
>;

const LISTED = [
  "id",
  "user_id",
  "to_device_id",
  "from_device_id",
  "bytes",
  "created_at",
  "expires_at",
] as const;

function numbers<T extends HistoryShareRow>(row: T): T {
  return {
    ...row,
    bytes: Number(row.bytes),
    created_at: Number(row.created_at),
    expires_at: Number(row.expires_at),
  };
}

export class HistoryShareStore {
  constructor(private readonly db: Kysely<Database>) {}

  async create(share: StoredHistoryShare): Promise<void> {
    await this.db.insertInto("history_shares").values(share).execute();
  }

  /** How many shares wait for the device at `now` (expired ones not counted). */
  async pendingCount(toDeviceId: string, now: number): Promise<number> {
    const row = await this.db
      .selectFrom("history_shares")
      .select(sql<number | string>`count(*)`.as("n"))
      .where("to_device_id", "=", toDeviceId)
      .where("expires_at", ">", now)
      .executeTakeFirst();
    return Number(row?.n ?? 0);
  }

  /** The shares waiting for the person's device at `now`, oldest first, without bytes. */
  async listFor(userId: string, toDeviceId: string, now: number): Promise<HistoryShareRow[]> {
    const rows = await this.db
      .selectFrom("history_shares")
      .select(LISTED)
      .where("user_id", "=", userId)
      .where("to_device_id", "=", toDeviceId)
      .where("expires_at", ">", now)
      .orderBy("created_at")
      .orderBy("id")
      .execute();
    return rows.map(numbers);
  }

  async get(
    userId: string,
    toDeviceId: string,
    id: string,
    now: number,
  ): Promise<StoredHistoryShare | undefined> {
    const row = await this.db
      .selectFrom("history_shares")
      .selectAll()
      .where("id", "=", id)
      .where("user_id", "=", userId)
      .where("to_device_id", "=", toDeviceId)
      .where("expires_at", ">", now)
      .executeTakeFirst();
    return row ? numbers(row) : undefined;
  }

  /** Removes the share and its bytes; false when the device has none of that id. */
  async remove(userId: string, toDeviceId: string, id: string): Promise<boolean> {
    const result = await this.db
      .deleteFrom("history_shares")
      .where("id", "=", id)
      .where("user_id", "=", userId)
      .where("to_device_id", "=", toDeviceId)
      .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  /** The retention sweep: every share past its expiry goes; how many. */
  async removeExpired(now: number): Promise<number> {
    const result = await this.db
      .deleteFrom("history_shares")
      .where("expires_at", "<=", now)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
