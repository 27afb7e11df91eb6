/**
 * What a device keeps of an opened message's content (protocol's encrypted-content.ts):
 * the content itself, and a line of text for an app that shows each message as it is.
 */
import { type OpenedContent, readContent } from "@private-chat/protocol/encrypted-content";
import type { KeptMessage, KeptMessages } from "./chat-state.js";
import type { DeviceName } from "./identity.js";

/** What stands for a message of a kind this version does not know. */
export const UNKNOWN_CONTENT_TEXT = "[a message this version cannot show]";

/** The message's words, or a line saying what it does to another message. */
export function contentLine(content: OpenedContent): string {
  switch (content.kind) {
    case "text":
      // Each file as " [file: name (n bytes)]", as the terminal client shows a plain one.
      return [
        content.body,
        ...(content.files ?? []).map((f) => `[file: ${f.name} (${f.size} bytes)]`),
      ]
        .filter((part) => part !== "")
        .join(" ");
    case "edit":
      return `[edit of message ${content.target}] ${content.body}`;
    case "reaction":
      return `[${content.action === "added" ? "reacted" : "took back"} ${content.emoji} on message ${content.target}]`;
    default:
      return UNKNOWN_CONTENT_TEXT;
  }
}

/** What the device keeps of a message opened (or sent) with `content`, from `sender`. */
export function keptOf(content: OpenedContent, sender: DeviceName): KeptMessage {
  const kept = { text: contentLine(content), device_id: sender.deviceId, user_id: sender.userId };
  // Plain text is its `text` alone, as kept before there were kinds: no second copy of
  // its words in the device's log and key backup.
  const plain =
    content.kind === "text" &&
    content.reply_to === undefined &&
    content.thread_root === undefined &&
    content.files === undefined;
  return plain ? kept : { ...kept, content };
}

/**
 * The content of a message as kept: read again with this version's schema (a store or a
 * key backup is data, not trusted code), and text for messages kept before there were
 * kinds. Undefined for one that did not open, or a commit.
 */
export function contentOf(kept: KeptMessage | undefined): OpenedContent | undefined {
  if (!kept || !("text" in kept)) return undefined;
  const content: unknown = kept.content;
  if (content === undefined) return { kind: "text", body: kept.text };
  const { kind, type } = content as { kind?: unknown; type?: unknown };
  if (kind === "unknown") return { kind, type: typeof type === "string" ? type.slice(0, 64) : "" };
  return readContent(content);
}

/**
 * The seqs of the kept messages that change one of `targets` (edits and reactions point
 * at their target by seq inside the ciphertext, so only a device's own log says which).
 */
export function changesOf(kept: KeptMessages, targets: ReadonlySet<number>): number[] {
  const seqs: number[] = [];
  for (const [key, message] of Object.entries(kept)) {
    const content = contentOf(message);
    if (content && "target" in content && targets.has(content.target)) seqs.push(Number(key));
  }
  return seqs.sort((a, b) => a - b);
}

/**
 * What a device needs of its log to show one thread: the root, its newest `count` replies,
 * and what changes them, in seq order. A thread reply names its root inside the
 * ciphertext, so the server cannot list a thread of an encrypted conversation.
 */
export function threadSeqs(kept: KeptMessages, root: number, count: number): number[] {
  const replies: number[] = [];
  for (const [key, message] of Object.entries(kept)) {
    const content = contentOf(message);
    if (content?.kind === "text" && content.thread_root === root) replies.push(Number(key));
  }
  const shown = new Set([root, ...replies.sort((a, b) => a - b).slice(-count)]);
  return [...new Set([...shown, ...changesOf(kept, shown)])].sort((a, b) => a - b);
}
