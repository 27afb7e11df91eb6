/**
 * The cursor of the conversation list: where one page ended (that conversation's last
 * activity and id, the list's order), opaque to clients. A cursor the server did not
 * write is refused as `invalid_request` rather than read as something else.
 */
import { AppError } from "../errors.js";
import type { Conversation } from "../storage/conversations.js";

export interface ListPosition {
  activity: number;
  id: string;
}

export function writeListCursor(conversation: Conversation): string {
  const position = `${Number(conversation.last_activity_at)}:${conversation.id}`;
  return Buffer.from(position, "utf8").toString("base64url");
}

export function readListCursor(cursor: string): ListPosition {
  const text = /^[A-Za-z0-9_-]+$/.test(cursor)
    ? Buffer.from(cursor, "base64url").toString("utf8")
    : "";
  const match = /^(\d{1,16}):([0-9A-Za-z-]{1,64})$/.exec(text);
  const activity = Number(match?.[1]);
  if (!match || !Number.isSafeInteger(activity)) {
    throw new AppError("invalid_request", "cursor is not a next_cursor this server gave");
  }
  return { activity, id: match[2] as string };
}
