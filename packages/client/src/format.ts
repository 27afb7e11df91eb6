/**
 * How messages, events and conversations look on a terminal: one line each, every
 * user-supplied part cleaned by sanitize.ts before any of our own styling is added
 * (message formatting: rich-text.ts).
 */
import {
  type ConversationView,
  isHiddenMessage,
  isMuted,
  isThreadOnly,
  type MessageView,
  type StoredEvent,
  sealedText,
  shownText,
} from "@private-chat/sdk";
import type { NameBook } from "./names.js";
import { requestMark } from "./people.js";
import { conversationName, messageTag, shortId } from "./resolve.js";
import { formatBody } from "./rich-text.js";
import { safeBody, safeInline, truncate } from "./sanitize.js";
import type { Style } from "./style.js";

const pad = (n: number) => String(n).padStart(2, "0");

/** HH:MM for today, the date too for anything older, in local time. */
export function formatTime(ms: number, now: number = Date.now()): string {
  const d = new Date(ms);
  const time = `${pad(d.getHours())}:${pad(d.getMinutes())}`;
  if (new Date(now).toDateString() === d.toDateString()) return time;
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${time}`;
}

export type MessageKind = "new" | "edited" | "deleted";

export function formatMessage(
  message: MessageView,
  sender: string,
  style: Style,
  kind: MessageKind = "new",
): string {
  const deleted = kind === "deleted" || message.deleted === true;
  const at = kind === "edited" && message.edited_at ? message.edited_at : message.created_at;
  const who = style.name(safeInline(sender));
  if (deleted) return `${style.dim(formatTime(at))} ${who} ${style.dim("(message deleted)")}`;
  const body = message.mls ? style.dim(sealedText(message.mls)) : formatBody(message.body, style);
  if (kind === "edited")
    return `${style.dim(formatTime(at))} ${who} ${style.dim("(edited)")} ${body}`;
  const edited = message.edited_at ? style.dim(" (edited)") : "";
  const line = `${who} ${body}${edited}${attachmentList(message, style)}${threadNote(message, style)}`;
  return `${style.dim(formatTime(at))} ${message.thread_id ? style.dim("↳ ") : ""}${line}`;
}

/** Under a thread's root: its replies and the tag that names the thread. */
function threadNote(message: MessageView, style: Style): string {
  const n = message.thread?.reply_count ?? 0;
  if (n === 0) return "";
  return style.dim(` (${n} ${n === 1 ? "reply" : "replies"}, thread ${messageTag(message.id)})`);
}

/** The files a message carries, as " [file: name (size)]" after its text. */
function attachmentList(message: MessageView, style: Style): string {
  const files = message.attachments ?? [];
  return files
    .map((file) => style.dim(` [file: ${safeInline(file.name)} (${formatSize(file.size)})]`))
    .join("");
}

function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

/**
 * One line for a live event of the conversation being shown, or undefined for events
 * not worth a line in text mode (read positions, reactions, typing).
 */
export async function formatEvent(
  event: StoredEvent,
  names: NameBook,
  style: Style,
): Promise<string | undefined> {
  const note = (text: string) => style.dim(`${formatTime(Date.now())} * ${text}`);
  switch (event.type) {
    case "message.new": {
      const sender = await names.name(event.message.sender_id);
      // A reply in its thread alone: a note here, the reply in `tail --thread`.
      const root = event.message.thread_id;
      if (root && isThreadOnly(event.message))
        return note(`${safeInline(sender)} replied in thread ${messageTag(root)}`);
      return formatMessage(event.message, sender, style);
    }
    case "message.updated":
      return formatMessage(
        event.message,
        await names.name(event.message.sender_id),
        style,
        "edited",
      );
    case "message.deleted":
      return formatMessage(
        event.message,
        await names.name(event.message.sender_id),
        style,
        "deleted",
      );
    case "message.pinned":
      return note(`${safeInline(await names.name(event.pinned_by))} pinned a message`);
    case "message.unpinned":
      return note(
        event.unpinned_by === null
          ? "a pinned message expired"
          : `${safeInline(await names.name(event.unpinned_by))} unpinned a message`,
      );
    case "member.joined":
      names.add(event.user);
      return note(`${safeInline(event.user.username)} joined`);
    case "member.left": {
      const who = safeInline(await names.name(event.user_id));
      if (event.removed_by === event.user_id) return note(`${who} left`);
      return note(`${who} was removed by ${safeInline(await names.name(event.removed_by))}`);
    }
    case "member.updated":
      names.add(event.user);
      return event.user.deleted ? note("the other person deleted their account") : undefined;
    case "member.role":
      return note(`${safeInline(await names.name(event.user_id))} is now ${event.role}`);
    case "conversation.updated": {
      const by = safeInline(await names.name(event.updated_by));
      if (event.members_can_pin !== undefined) {
        return note(
          event.members_can_pin
            ? `${by} let every member pin messages`
            : `${by} left pinning messages to admins`,
        );
      }
      if (event.retention_days !== undefined)
        return note(`${by} ${keepsText(event.retention_days)}`);
      const title = event.title ? `"${safeInline(event.title)}"` : "(no title)";
      return note(`${by} renamed the conversation to ${title}`);
    }
    default:
      return undefined;
  }
}

export function messagePreview(
  message: MessageView | null,
  names: NameBook,
  hidden = false,
): string {
  if (!message) return "";
  if (hidden) return "(message from a person you blocked)";
  const who = safeInline(names.known(message.sender_id) ?? shortId(message.sender_id));
  const body = message.deleted ? "(message deleted)" : truncate(safeBody(shownText(message)), 60);
  return `${who}: ${body}`;
}

/** The listing line: short id, type, name, unread count, marks, last message. */
export function formatConversation(
  conversation: ConversationView,
  meId: string,
  names: NameBook,
  style: Style,
  blocked: ReadonlySet<string> = new Set(),
): string {
  const last = conversation.last_message;
  const hidden = last !== null && isHiddenMessage(last, blocked, conversation.type);
  const name = truncate(safeInline(conversationName(conversation, meId)), 24).padEnd(24);
  const unread = conversation.unread_count > 0 ? `${conversation.unread_count} unread` : "";
  const shownName = conversation.unread_count > 0 ? style.bold(name) : name;
  const muted = isMuted(conversation.notifications?.muted_until) ? "[muted]" : "";
  const marks = [conversation.encrypted ? "[encrypted]" : "", requestMark(conversation) || muted];
  return [
    style.dim(shortId(conversation.id)),
    conversation.type.padEnd(6),
    shownName,
    unread.padEnd(10),
    ...marks.filter((mark) => mark !== "").map((mark) => style.bold(mark)),
    messagePreview(last, names, hidden),
  ]
    .join("  ")
    .trimEnd();
}

/** A group's retention setting as a change note says it. */
function keepsText(days: number | null): string {
  if (days === null) return "set messages to be kept as long as the server keeps them";
  if (days === 0) return "set messages to be kept as long as the server allows";
  return `set messages to be kept ${days} day${days === 1 ? "" : "s"}`;
}
