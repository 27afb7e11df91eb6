/**
 * Messages carrying attachments: the checks and links the send path makes inside its
 * transaction, and the batched lookup history uses (one query per page, not per message).
 */

import type { AttachmentView } from "@private-chat/protocol/attachments";
import { AppError } from "../errors.js";
import type { AttachmentRow } from "../storage/attachments.js";
import type { Repositories } from "../storage/store.js";
import { presentAttachment } from "./present.js";

export interface PreparedAttachments {
  /** The checked uploads as the message will carry them, in order. */
  readonly views: AttachmentView[];
  /** Links the checked uploads to the just-inserted message; returns their views. */
  link(messageId: string): Promise<AttachmentView[]>;
}

const NONE: PreparedAttachments = { views: [], link: async () => [] };

function refused(id: string): AppError {
  return new AppError(
    "invalid_request",
    `attachment_ids: ${id} is not an unsent upload of yours to this conversation`,
  );
}

/**
 * Checks, before the message is written, that every id names an upload by the sender to
 * this conversation that no message carries yet. Throws invalid_request otherwise, so a
 * refused send writes nothing.
 */
export async function prepareAttachments(
  tx: Repositories,
  conversationId: string,
  senderId: string,
  ids: readonly string[] | undefined,
): Promise<PreparedAttachments> {
  if (!ids || ids.length === 0) return NONE;
  if (new Set(ids).size !== ids.length) {
    throw new AppError("invalid_request", "attachment_ids: an attachment is listed twice");
  }
  const rows = new Map((await tx.attachments.byIds([...ids])).map((row) => [row.id, row]));
  for (const id of ids) {
    const row = rows.get(id);
    if (
      !row ||
      row.uploader_id !== senderId ||
      row.conversation_id !== conversationId ||
      row.message_id !== null
    ) {
      throw refused(id);
    }
  }
  return {
    views: ids.map((id) => presentAttachment(rows.get(id) as AttachmentRow)),
    async link(messageId) {
      const linked = await tx.attachments.link([...ids], messageId);
      // Another transaction linked one first; failing the whole write keeps the message
      // from committing without the files its sender attached.
      if (linked !== ids.length) throw new Error("attachments were linked by a concurrent send");
      return ids.map((id, position) => {
        const row = rows.get(id);
        if (!row) throw refused(id);
        return presentAttachment({ ...row, message_id: messageId, position });
      });
    },
  };
}

/** The attachments of each message on a page, in one query. */
export async function attachmentsByMessage(
  repos: Repositories,
  messageIds: string[],
): Promise<Map<string, AttachmentView[]>> {
  const rows = await repos.attachments.ofMessages(messageIds);
  return new Map([...rows].map(([id, list]) => [id, list.map(presentAttachment)]));
}
