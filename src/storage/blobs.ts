/**
 * The lives of stored blobs (see migration 009): which blob holds a content now, and which
 * wait for their bytes to be deleted. The rows serialise uploads and collection of the
 * same content: on PostgreSQL both lock the blob's row (SELECT ... FOR UPDATE); SQLite
 * runs one write transaction at a time (`begin immediate`), which is already that lock.
 */
import type { Kysely } from "kysely";
import type { Database } from "./schema.js";
import type { DatabaseType } from "./store.js";

export class BlobRecords {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly type: DatabaseType,
  ) {}

  /** The live blob of a content, locked until the transaction ends. */
  private async liveOf(sha256: string): Promise<string | undefined> {
    let query = this.db
      .selectFrom("blobs")
      .select("name")
      .where("sha256", "=", sha256)
      .where("deleting_at", "is", null);
    if (this.type === "postgres") query = query.forUpdate();
    return (await query.executeTakeFirst())?.name;
  }

  /**
   * Inside a transaction: the live blob holding `sha256`, locked so that collection cannot
   * start deleting it before this transaction records its reference, or a new blob named
   * `fresh` when there is none (or it is being deleted).
   */
  async claim(sha256: string, fresh: string, now: number): Promise<string> {
    const live = await this.liveOf(sha256);
    if (live !== undefined) return live;
    // A concurrent claim of the same content may insert first: then use its blob.
    await this.db
      .insertInto("blobs")
      .values({ name: fresh, sha256, created_at: now, deleting_at: null })
      .onConflict((oc) => oc.doNothing())
      .execute();
    const claimed = await this.liveOf(sha256);
    if (claimed === undefined) throw new Error(`no live blob for ${sha256} after claiming one`);
    return claimed;
  }

  /** Inside a transaction: locks these blobs' rows (in name order, so two lockers never deadlock). */
  async lock(names: string[]): Promise<void> {
    if (this.type !== "postgres" || names.length === 0) return;
    await this.db
      .selectFrom("blobs")
      .select("name")
      .where("name", "in", names)
      .orderBy("name")
      .forUpdate()
      .execute();
  }

  /** Starts the blob's deletion: from now on nothing may refer to it. */
  async markDeleting(name: string, now: number): Promise<void> {
    await this.db
      .updateTable("blobs")
      .set({ deleting_at: now })
      .where("name", "=", name)
      .where("deleting_at", "is", null)
      .execute();
  }

  /** Whether the blob is live (not being deleted, nor deleted). */
  async isLive(name: string): Promise<boolean> {
    const row = await this.db
      .selectFrom("blobs")
      .select("name")
      .where("name", "=", name)
      .where("deleting_at", "is", null)
      .executeTakeFirst();
    return row !== undefined;
  }

  /** Blobs whose bytes are to be deleted, oldest first. */
  async deleting(limit: number): Promise<string[]> {
    const rows = await this.db
      .selectFrom("blobs")
      .select("name")
      .where("deleting_at", "is not", null)
      .orderBy("deleting_at")
      .limit(limit)
      .execute();
    return rows.map((row) => row.name);
  }

  /** Forgets a blob whose bytes are gone. */
  async remove(name: string): Promise<void> {
    await this.db
      .deleteFrom("blobs")
      .where("name", "=", name)
      .where("deleting_at", "is not", null)
      .execute();
  }
}
