/**
 * The message shape that leaves the server. A deleted message shows as a tombstone.
 * Stored messages are shown through presentMessages, so every endpoint that lists them
 * (history, search, one message) shows the same fields.
 */
import { attachmentsByMessage } from "../attachments/link.js";
import { withAttachments } from "../attachments/present.js";
import type { MessageView, ReactionView } from "../protocol/chat.js";
import type { MessageRow, ReactionSummary } from "../storage/messages.js";
import type { Repositories } from "../storage/store.js";

export function presentReactions(reactions: ReactionSummary[]): ReactionView[] {
  return reactions.map((r) => ({ emoji: r.emoji, count: r.count, user_ids: r.userIds }));
}

export function presentMessage(row: MessageRow, reactions?: ReactionSummary[]): MessageView {
  const view: MessageView = {
    id: row.id,
    conversation_id: row.conversation_id,
    seq: row.seq,
    sender_id: row.sender_id,
    body: row.deleted_at === null ? row.body : "",
    client_id: row.client_id,
    created_at: row.created_at,
  };
  if (row.edited_at !== null) view.edited_at = row.edited_at;
  if (row.deleted_at !== null) view.deleted = true;
  if (row.reply_to !== null) view.reply_to = row.reply_to;
  if (reactions && reactions.length > 0 && row.deleted_at === null)
    view.reactions = presentReactions(reactions);
  return view;
}

/** Stored messages as clients see them, reactions and files included (one query each). */
export async function presentMessages(
  repos: Repositories,
  rows: readonly MessageRow[],
): Promise<MessageView[]> {
  const ids = rows.map((row) => row.id);
  const reactions = await repos.messages.reactionsOf(ids);
  const files = await attachmentsByMessage(repos, ids);
  return rows.map((row) => withAttachments(presentMessage(row, reactions.get(row.id)), files));
}

/** The stored payload of a new message's event, serialised once (also on the writer thread). */
export function messageNewPayload(row: MessageRow): string {
  return JSON.stringify({
    type: "message.new",
    conversation_id: row.conversation_id,
    message: presentMessage(row),
  });
}
