/**
 * An encrypted conversation's messages as this browser's device folded them (opened.ts):
 * each message it opened as a plain one, with its plaintext, latest edit and reactions,
 * so the timeline's and the thread panel's components show it as they show plain
 * messages; edits and reactions are no lines of their own. A thread's root carries the
 * count of its replies the device opened, as the server counts a plain thread's (it
 * cannot count these: a reply names its root inside the ciphertext). Light: no MLS code.
 */
import { MAX_THREAD_PARTICIPANTS } from "@private-chat/protocol/chat";
import type { MessageView } from "@private-chat/sdk";
import type { Opened } from "./opened.js";

/** The message as shown; null when it is an edit or a reaction folded into another. */
export function shownMessage(message: MessageView, read: Opened | undefined): MessageView | null {
  if (!read || !("text" in read)) return read && "folded" in read ? null : message;
  // No ciphertext left: the plaintext stands where the MLS message was. Its uploads are
  // ciphertext under a neutral name: its files show from the opened content instead.
  const { mls: _ciphertext, attachments: _sealedUploads, ...rest } = message;
  return {
    ...rest,
    body: read.text,
    ...(read.edited_at !== undefined ? { edited_at: read.edited_at } : {}),
    ...(read.reactions ? { reactions: read.reactions } : {}),
    ...(read.reply_to ? { reply_to: read.reply_to } : {}),
    ...(read.thread_root ? { thread_id: read.thread_root } : {}),
  };
}

/**
 * Every message shown, thread replies too (each with `thread_id`, its root's id), a root
 * with its thread's summary.
 */
export function shownMessages(
  messages: readonly MessageView[],
  read: Readonly<Record<string, Opened>>,
): MessageView[] {
  const shown: MessageView[] = [];
  const replies = new Map<string, MessageView[]>();
  for (const m of messages) {
    const view = shownMessage(m, read[m.id]);
    if (!view) continue;
    if (view.thread_id) {
      const thread = replies.get(view.thread_id) ?? [];
      thread.push(view);
      replies.set(view.thread_id, thread);
    }
    shown.push(view);
  }
  if (replies.size === 0) return shown;
  return shown.map((m) => {
    const thread = replies.get(m.id)?.filter((r) => !r.deleted);
    return thread?.length && !m.thread_id ? { ...m, thread: summaryOf(thread) } : m;
  });
}

/**
 * The last fold of each loaded timeline, with what it was folded with. The timeline and
 * an open thread's panel show the same messages, and each fold walks them all again
 * whenever the device opens one more: they share one fold instead.
 */
const folds = new WeakMap<
  readonly MessageView[],
  { read: Readonly<Record<string, Opened>>; shown: MessageView[] }
>();

/** `shownMessages`, folded once for the same messages and the same openings. */
export function sharedFold(
  messages: readonly MessageView[],
  read: Readonly<Record<string, Opened>>,
): MessageView[] {
  const known = folds.get(messages);
  if (known?.read === read) return known.shown;
  const shown = shownMessages(messages, read);
  folds.set(messages, { read, shown });
  return shown;
}

/** What the main timeline shows: thread replies stay in their thread, as plain ones do. */
export function inMainTimeline(message: MessageView): boolean {
  return !message.thread_id;
}

/** A thread's root and its replies, oldest first, of the messages shown. */
export function threadOf(
  shown: readonly MessageView[],
  rootId: string,
): { root: MessageView | undefined; replies: MessageView[] } {
  return {
    root: shown.find((m) => m.id === rootId),
    replies: shown.filter((m) => m.thread_id === rootId),
  };
}

function summaryOf(replies: readonly MessageView[]): NonNullable<MessageView["thread"]> {
  const participants: string[] = [];
  for (const reply of [...replies].reverse())
    if (!participants.includes(reply.sender_id) && participants.length < MAX_THREAD_PARTICIPANTS)
      participants.push(reply.sender_id);
  return {
    reply_count: replies.length,
    last_reply_at: replies.at(-1)?.created_at ?? null,
    participant_ids: participants,
  };
}
