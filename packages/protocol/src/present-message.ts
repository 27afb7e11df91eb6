/**
 * The message shape that leaves the server, made from a stored row. A deleted message
 * shows as a tombstone. Kept here, beside the views, because both the services and the
 * storage writer (which logs each new message's event) present messages.
 */
import type { MessageView, ReactionView } from "./chat.js";
import type { MlsKind } from "./encrypted.js";

/** A stored message, as any engine returns it. */
export interface StoredMessage {
  id: string;
  conversation_id: string;
  seq: number;
  sender_id: string;
  body: string;
  client_id: string | null;
  reply_to: string | null;
  created_at: number;
  edited_at: number | null;
  deleted_at: number | null;
  // Optional because the batch appenders' rows (never thread replies) leave them out.
  /** A thread reply's root. */
  thread_id?: string | null;
  thread_seq?: number | null;
  /** 1 for a thread reply shown in the timeline too. */
  also_in_conversation?: number;
  // Present only on messages of encrypted conversations, whose body is an MLS message.
  mls_kind?: MlsKind | null;
  mls_epoch?: number | null;
  /** A commit's welcome for the devices it adds (base64url). */
  mls_welcome?: string | null;
}

export interface ReactionSummary {
  emoji: string;
  count: number;
  userIds: string[];
}

export function presentReactions(reactions: ReactionSummary[]): ReactionView[] {
  return reactions.map((r) => ({ emoji: r.emoji, count: r.count, user_ids: r.userIds }));
}

export function presentMessage(row: StoredMessage, reactions?: ReactionSummary[]): MessageView {
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
  if (row.thread_id) {
    view.thread_id = row.thread_id;
    view.thread_seq = Number(row.thread_seq);
    if (row.also_in_conversation) view.also_to_conversation = true;
  }
  if (row.mls_kind) {
    view.mls = { kind: row.mls_kind, epoch: Number(row.mls_epoch) };
    if (row.mls_welcome && row.deleted_at === null) view.mls.welcome = row.mls_welcome;
  }
  if (reactions && reactions.length > 0 && row.deleted_at === null)
    view.reactions = presentReactions(reactions);
  return view;
}
