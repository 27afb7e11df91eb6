/**
 * An encrypted conversation's timeline as this browser's device folded it (opened.ts):
 * each message it opened as a plain one, with its plaintext, latest edit and reactions,
 * so the timeline's components show it as they show plain messages; edits and reactions
 * are no lines of their own. Light: no MLS code.
 */
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
    // The server keeps no encrypted thread apart: a thread reply shows in the timeline,
    // marked as in the thread of the message it quotes.
    ...(read.in_thread ? { thread_id: read.reply_to, also_to_conversation: true as const } : {}),
  };
}

export function shownMessages(
  messages: readonly MessageView[],
  read: Readonly<Record<string, Opened>>,
): MessageView[] {
  const shown: MessageView[] = [];
  for (const m of messages) {
    const view = shownMessage(m, read[m.id]);
    if (view) shown.push(view);
  }
  return shown;
}
