/**
 * Attachment rows: uploads whose bytes are being stored (pending), uploads waiting to be
 * sent, those carried by messages, and those whose message was deleted and whose blobs
 * wait to be collected. Every row, in any of these states, is a reference to its blobs.
 */
import type { Kysely, Selectable } from "kysely";
import type { AttachmentsTable, Database } from "./schema.js";

export type AttachmentRow = Selectable<AttachmentsTable>;

function normalise(row: AttachmentRow): AttachmentRow {
  return {
    ...row,
    size: Number(row.size),
    pending: Number(row.pending),
    created_at: Number(row.created_at),
    deleted_at: row.deleted_at === null ? null : Number(row.deleted_at),
  };
}

export class AttachmentStore {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(row: AttachmentRow): Promise<void> {
    await this.db.insertInto("attachments").values(row).execute();
  }

  /** A live attachment (stored, and its message not deleted). */
  async byId(id: string): Promise<AttachmentRow | undefined> {
    const row = await this.db
      .selectFrom("attachments")
      .selectAll()
      .where("id", "=", id)
      .where("deleted_at", "is", null)
      .where("pending", "=", 0)
      .executeTakeFirst();
    return row ? normalise(row) : undefined;
  }

  async byIds(ids: string[]): Promise<AttachmentRow[]> {
    if (ids.length === 0) return [];
    const rows = await this.db
      .selectFrom("attachments")
      .selectAll()
      .where("id", "in", ids)
      .where("deleted_at", "is", null)
      .where("pending", "=", 0)
      .execute();
    return rows.map(normalise);
  }

  /** Bytes the user's live uploads take (and those being stored), which the quota bounds. */
  async bytesUsedBy(uploaderId: string): Promise<number> {
    const row = await this.db
      .selectFrom("attachments")
      .select((eb) => eb.fn.sum<string | number | null>("size").as("total"))
      .where("uploader_id", "=", uploaderId)
      .where("deleted_at", "is", null)
      .executeTakeFirst();
    return Number(row?.total ?? 0);
  }

  /**
   * Links still-unlinked attachments to a message, in the given order. Returns how many
   * were linked, so a caller can tell a race lost to another message.
   */
  async link(ids: string[], messageId: string): Promise<number> {
    let linked = 0;
    for (const [position, id] of ids.entries()) {
      const result = await this.db
        .updateTable("attachments")
        .set({ message_id: messageId, position })
        .where("id", "=", id)
        .where("message_id", "is", null)
        .where("deleted_at", "is", null)
        .where("pending", "=", 0)
        .executeTakeFirst();
      linked += Number(result.numUpdatedRows);
    }
    return linked;
  }

  /** Live attachments of each message, in the order they were sent. */
  async ofMessages(messageIds: string[]): Promise<Map<string, AttachmentRow[]>> {
    const result = new Map<string, AttachmentRow[]>();
    if (messageIds.length === 0) return result;
    const rows = await this.db
      .selectFrom("attachments")
      .selectAll()
      .where("message_id", "in", messageIds)
      .where("deleted_at", "is", null)
      .orderBy("message_id")
      .orderBy("position")
      .execute();
    for (const row of rows) {
      if (row.message_id === null) continue;
      const list = result.get(row.message_id) ?? [];
      list.push(normalise(row));
      result.set(row.message_id, list);
    }
    return result;
  }

  /**
   * The upload's bytes are in place: it may be served and sent. False when it was expired
   * or withdrawn meanwhile, and must not be acknowledged.
   */
  async markStored(id: string): Promise<boolean> {
    const result = await this.db
      .updateTable("attachments")
      .set({ pending: 0 })
      .where("id", "=", id)
      .where("pending", "=", 1)
      .where("deleted_at", "is", null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /** Gives up an upload that was never acknowledged: it awaits collection. */
  async withdraw(id: string, now: number): Promise<void> {
    await this.db
      .updateTable("attachments")
      .set({ deleted_at: now })
      .where("id", "=", id)
      .where("deleted_at", "is", null)
      .execute();
  }

  /** Unlinks a deleted message's attachments: they stop being served and await collection. */
  async markDeletedWithMessage(messageId: string, now: number): Promise<number> {
    const result = await this.db
      .updateTable("attachments")
      .set({ deleted_at: now })
      .where("message_id", "=", messageId)
      .where("deleted_at", "is", null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  /** Marks every upload of `uploaderId` not sent with a message for collection. */
  async withdrawUnsentOf(uploaderId: string, now: number): Promise<number> {
    const result = await this.db
      .updateTable("attachments")
      .set({ deleted_at: now })
      .where("uploader_id", "=", uploaderId)
      .where("message_id", "is", null)
      .where("deleted_at", "is", null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  /**
   * Marks uploads never sent and older than `createdBefore` for collection, with those
   * whose bytes were never stored (a crash mid-upload).
   */
  async expireUnsent(createdBefore: number, now: number): Promise<number> {
    const result = await this.db
      .updateTable("attachments")
      .set({ deleted_at: now })
      .where("message_id", "is", null)
      .where("deleted_at", "is", null)
      .where("created_at", "<", createdBefore)
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  /** Rows awaiting collection, oldest first. */
  async awaitingCollection(limit: number): Promise<AttachmentRow[]> {
    const rows = await this.db
      .selectFrom("attachments")
      .selectAll()
      .where("deleted_at", "is not", null)
      .orderBy("deleted_at")
      .limit(limit)
      .execute();
    return rows.map(normalise);
  }

  async remove(id: string): Promise<void> {
    await this.db.deleteFrom("attachments").where("id", "=", id).execute();
  }

  /** Whether any row (pending, live or awaiting collection) names this blob. */
  async referencesBlob(name: string): Promise<boolean> {
    const row = await this.db
      .selectFrom("attachments")
      .select("id")
      .where((eb) => eb.or([eb("blob", "=", name), eb("thumbnail_blob", "=", name)]))
      .limit(1)
      .executeTakeFirst();
    return row !== undefined;
  }
}
