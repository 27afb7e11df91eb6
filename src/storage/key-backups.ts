/**
 * Key backups of end-to-end encryption and their chunks (migration 034, docs/E2EE.md):
 * ciphertext and sizes only. Binary values are kept as base64url text, as key packages
 * are. Deleting removes the rows: SQLite (secure_delete) overwrites what they held, and
 * PostgreSQL's autovacuum reclaims the old row versions (docs/ADMIN.md, "What deletion
 * removes").
 */
import { type Kysely, sql } from "kysely";
import { lockOwnerRow } from "./owner-lock.js";
import type { Database } from "./schema.js";
import type { KeyBackupsTable } from "./schema-devices.js";
import type { DatabaseType } from "./store.js";

export interface KeyBackup {
  userId: string;
  kdf: {
    algorithm: string;
    memoryKib: number;
    iterations: number;
    parallelism: number;
    salt: string;
  };
  wrappedKey: string;
  createdAt: number;
  updatedAt: number;
}

/** What a person's chunks take: how many, and their ciphertext's bytes. */
export interface ChunkTotals {
  chunks: number;
  bytes: number;
}

export interface StoredChunk {
  id: string;
  data: string;
  updatedAt: number;
}

export interface ChunkEntry {
  id: string;
  bytes: number;
  updatedAt: number;
}

function toKeyBackup(row: KeyBackupsTable): KeyBackup {
  return {
    userId: row.user_id,
    kdf: {
      algorithm: row.kdf_algorithm,
      memoryKib: Number(row.kdf_memory_kib),
      iterations: Number(row.kdf_iterations),
      parallelism: Number(row.kdf_parallelism),
      salt: row.kdf_salt,
    },
    wrappedKey: row.wrapped_key,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}

/** The columns a write sets: all but the owner and `created_at`, which a replacement keeps. */
function columnsOf(backup: KeyBackup) {
  return {
    kdf_algorithm: backup.kdf.algorithm,
    kdf_memory_kib: backup.kdf.memoryKib,
    kdf_iterations: backup.kdf.iterations,
    kdf_parallelism: backup.kdf.parallelism,
    kdf_salt: backup.kdf.salt,
    wrapped_key: backup.wrappedKey,
    updated_at: backup.updatedAt,
  };
}

export class KeyBackupStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly type: DatabaseType,
  ) {}

  /**
   * Inside a transaction: holds the user's row until it ends, so that two writes of one
   * person's backup take turns (and cannot both pass the quota). SQLite runs one write
   * transaction at a time (`begin immediate`), which is already that lock.
   */
  async lockOwner(userId: string): Promise<void> {
    await lockOwnerRow(this.db, this.type, userId);
  }

  async of(userId: string): Promise<KeyBackup | undefined> {
    const row = await this.db
      .selectFrom("key_backups")
      .selectAll()
      .where("user_id", "=", userId)
      .executeTakeFirst();
    return row ? toKeyBackup(row) : undefined;
  }

  /** Sets the wrapped key, or replaces it (the chunks stay); `createdAt` is kept then. */
  async put(backup: KeyBackup): Promise<void> {
    const values = columnsOf(backup);
    await this.db
      .insertInto("key_backups")
      .values({ user_id: backup.userId, created_at: backup.createdAt, ...values })
      .onConflict((oc) => oc.column("user_id").doUpdateSet(values))
      .execute();
  }

  /**
   * Sets the wrapped key only when the person has none: false when they have one. One
   * statement, so two creations at once cannot both succeed whatever locks are held.
   */
  async create(backup: KeyBackup): Promise<boolean> {
    const result = await this.db
      .insertInto("key_backups")
      .values({ user_id: backup.userId, created_at: backup.createdAt, ...columnsOf(backup) })
      .onConflict((oc) => oc.column("user_id").doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  /**
   * Replaces the wrapped key only while it is still `expected` (the one read): false when
   * it changed or went meanwhile. The chunks stay (a new passphrase over the same key).
   */
  async replace(backup: KeyBackup, expected: string): Promise<boolean> {
    const result = await this.db
      .updateTable("key_backups")
      .set(columnsOf(backup))
      .where("user_id", "=", backup.userId)
      .where("wrapped_key", "=", expected)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  /** Removes the wrapped key and every chunk; false when there was no backup. */
  async remove(userId: string): Promise<boolean> {
    await this.db.deleteFrom("key_backup_chunks").where("user_id", "=", userId).execute();
    const result = await this.db
      .deleteFrom("key_backups")
      .where("user_id", "=", userId)
      .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async totals(userId: string): Promise<ChunkTotals> {
    const row = await this.db
      .selectFrom("key_backup_chunks")
      .select([
        sql<number | string>`count(*)`.as("n"),
        sql<number | string | null>`sum(bytes)`.as("bytes"),
      ])
      .where("user_id", "=", userId)
      .executeTakeFirst();
    return { chunks: Number(row?.n ?? 0), bytes: Number(row?.bytes ?? 0) };
  }

  /** The size of the person's chunk, or undefined when they have none of that id. */
  async chunkBytes(userId: string, id: string): Promise<number | undefined> {
    const row = await this.db
      .selectFrom("key_backup_chunks")
      .select("bytes")
      .where("user_id", "=", userId)
      .where("id", "=", id)
      .executeTakeFirst();
    return row ? Number(row.bytes) : undefined;
  }

  /** Creates the chunk, or replaces its ciphertext. */
  async putChunk(userId: string, id: string, data: string, bytes: number, now: number) {
    await this.db
      .insertInto("key_backup_chunks")
      .values({ user_id: userId, id, data, bytes, updated_at: now })
      .onConflict((oc) =>
        oc.columns(["user_id", "id"]).doUpdateSet({ data, bytes, updated_at: now }),
      )
      .execute();
  }

  async chunk(userId: string, id: string): Promise<StoredChunk | undefined> {
    const row = await this.db
      .selectFrom("key_backup_chunks")
      .select(["id", "data", "updated_at"])
      .where("user_id", "=", userId)
      .where("id", "=", id)
      .executeTakeFirst();
    return row ? { id: row.id, data: row.data, updatedAt: Number(row.updated_at) } : undefined;
  }

  /**
   * The person's chunks after `after` in the ids' byte order (the column's collation is
   * "C" on PostgreSQL, see migration 034), at most `limit`.
   */
  async list(userId: string, after: string | undefined, limit: number): Promise<ChunkEntry[]> {
    let query = this.db
      .selectFrom("key_backup_chunks")
      .select(["id", "bytes", "updated_at"])
      .where("user_id", "=", userId);
    if (after !== undefined) query = query.where("id", ">", after);
    const rows = await query.orderBy("id").limit(limit).execute();
    return rows.map((r) => ({
      id: r.id,
      bytes: Number(r.bytes),
      updatedAt: Number(r.updated_at),
    }));
  }

  async removeChunk(userId: string, id: string): Promise<boolean> {
    const result = await this.db
      .deleteFrom("key_backup_chunks")
      .where("user_id", "=", userId)
      .where("id", "=", id)
      .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }
}
