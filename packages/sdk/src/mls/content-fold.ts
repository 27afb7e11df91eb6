/**
 * An encrypted conversation's messages as an app shows them (docs/E2EE.md). The server
 * cannot apply edits or count reactions it cannot read, so they arrive as messages of
 * their own pointing at another by seq, and each device folds what it read: every text
 * message with its latest edit by its own sender, its reactions per emoji, and what it
 * replies to. Edits and reactions are not shown as messages; one whose target is not in
 * the list (deleted, forgotten, or older than what was read) counts for nothing.
 */
import {
  MAX_THREAD_PARTICIPANTS,
  type MessageView,
  type ReactionView,
  type ThreadSummary,
} from "@private-chat/protocol/chat";
import type { EncryptedFile, OpenedContent } from "@private-chat/protocol/encrypted-content";
import { contentOf } from "./content.js";
import type { ReadMessage } from "./encrypted-chat.js";

/** What one shown message holds once folded. */
export type ShownContent =
  | {
      kind: "text";
      /** The words of its latest edit, or as sent. */
      body: string;
      /** When the edit shown was sent. */
      edited_at?: number;
      reply_to?: number;
      thread_root?: number;
      /** Per emoji, in the order first added, with who reacted. */
      reactions: ReactionView[];
      /** A thread's root: its replies in what was read. */
      thread?: ThreadSummary;
      /** Its files, each with what opens it (encrypted-files.ts). */
      files?: EncryptedFile[];
    }
  /** A kind this version does not know (`type`): "a message this version cannot show". */
  | { kind: "unknown"; type: string }
  /** Did not open on this device: why (undefined: sent before it joined). */
  | { kind: "unread"; reason: string | undefined }
  | { kind: "deleted" };

export interface ShownMessage {
  /** The message as the server sent it (its body is ciphertext). */
  message: MessageView;
  /** Its sender, as its MLS credential names them where the device recorded it. */
  sender_id: string;
  shown: ShownContent;
}

interface Opened {
  entry: ReadMessage;
  sender: string;
  content: OpenedContent | undefined;
}

const senderOf = ({ message, kept }: ReadMessage) =>
  (kept && "text" in kept ? kept.user_id : undefined) ?? message.sender_id;

/** Folds the messages read (any order) into the ones to show, in seq order. */
export function foldMessages(read: readonly ReadMessage[]): ShownMessage[] {
  const opened = [...read]
    .sort((a, b) => a.message.seq - b.message.seq)
    .map(
      (entry): Opened => ({
        entry,
        sender: senderOf(entry),
        content: entry.message.deleted ? undefined : contentOf(entry.kept),
      }),
    );
  const bySeq = new Map(opened.map((o) => [o.entry.message.seq, o]));
  const edits = new Map<number, { body: string; at: number }>();
  const reactions = new Map<number, Map<string, Set<string>>>();
  const replies = new Map<number, Opened[]>();
  /** A text message before `seq`, not deleted: what an edit or a reaction may point at. */
  const textAt = (target: number, seq: number) => {
    const found = target < seq ? bySeq.get(target) : undefined;
    return found?.content?.kind === "text" ? found : undefined;
  };
  for (const o of opened) {
    const { content } = o;
    const seq = o.entry.message.seq;
    if (content?.kind === "edit") {
      // Only the sender's own edit counts: another member cannot change their words.
      if (textAt(content.target, seq)?.sender === o.sender)
        edits.set(content.target, { body: content.body, at: o.entry.message.created_at });
    } else if (content?.kind === "reaction" && textAt(content.target, seq)) {
      const byEmoji = reactions.get(content.target) ?? new Map<string, Set<string>>();
      const who = byEmoji.get(content.emoji) ?? new Set<string>();
      // A person's own reaction message is the only one that adds or takes back theirs.
      if (content.action === "added") who.add(o.sender);
      else who.delete(o.sender);
      if (who.size > 0) byEmoji.set(content.emoji, who);
      else byEmoji.delete(content.emoji);
      reactions.set(content.target, byEmoji);
    } else if (content?.kind === "text" && content.thread_root !== undefined) {
      replies.set(content.thread_root, [...(replies.get(content.thread_root) ?? []), o]);
    }
  }
  const shown: ShownMessage[] = [];
  for (const o of opened) {
    const { message, kept } = o.entry;
    const base = { message, sender_id: o.sender };
    const content = o.content;
    if (message.deleted) shown.push({ ...base, shown: { kind: "deleted" } });
    else if (!content)
      shown.push({
        ...base,
        shown: { kind: "unread", reason: kept && "refused" in kept ? kept.refused : undefined },
      });
    else if (content.kind === "text")
      shown.push({ ...base, shown: textShown(content, message.seq, edits, reactions, replies) });
    else if (content.kind === "unknown")
      shown.push({ ...base, shown: { kind: "unknown", type: content.type } });
  }
  return shown;
}

function textShown(
  content: Extract<OpenedContent, { kind: "text" }>,
  seq: number,
  edits: Map<number, { body: string; at: number }>,
  reactions: Map<number, Map<string, Set<string>>>,
  replies: Map<number, Opened[]>,
): ShownContent {
  const edit = edits.get(seq);
  const thread = replies.get(seq);
  return {
    kind: "text",
    body: edit?.body ?? content.body,
    ...(edit ? { edited_at: edit.at } : {}),
    ...(content.reply_to !== undefined ? { reply_to: content.reply_to } : {}),
    ...(content.thread_root !== undefined ? { thread_root: content.thread_root } : {}),
    reactions: [...(reactions.get(seq) ?? [])].map(([emoji, who]) => ({
      emoji,
      count: who.size,
      user_ids: [...who],
    })),
    ...(thread ? { thread: summaryOf(thread) } : {}),
    ...(content.files ? { files: content.files } : {}),
  };
}

/** A thread's replies as the server summarises a plain thread's. */
function summaryOf(replies: Opened[]): ThreadSummary {
  const participants: string[] = [];
  for (const reply of [...replies].reverse())
    if (!participants.includes(reply.sender) && participants.length < MAX_THREAD_PARTICIPANTS)
      participants.push(reply.sender);
  return {
    reply_count: replies.length,
    last_reply_at: replies.at(-1)?.entry.message.created_at ?? null,
    participant_ids: participants,
  };
}
