/**
 * The attachment shape that leaves the server, and attaching those views to messages.
 */
import type { AttachmentView } from "@private-chat/protocol/attachments";
import type { MessageView } from "@private-chat/protocol/chat";
import type { AttachmentRow } from "../storage/attachments.js";

export function presentAttachment(row: AttachmentRow): AttachmentView {
  const view: AttachmentView = {
    id: row.id,
    name: row.name,
    size: row.size,
    content_type: row.content_type,
  };
  if (row.width !== null) view.width = row.width;
  if (row.height !== null) view.height = row.height;
  if (row.has_thumbnail) view.thumbnail = true;
  return view;
}

/** The message view with its attachments, when it has any. */
export function withAttachments(
  message: MessageView,
  byMessage: Map<string, AttachmentView[]>,
): MessageView {
  const attachments = byMessage.get(message.id);
  return attachments && attachments.length > 0 ? { ...message, attachments } : message;
}
