/**
 * Message requests and blocks as the terminal shows them: finding a person by username,
 * marking requests in listings, and hiding the group messages of people the user blocked.
 */
import {
  type ApiClient,
  ApiError,
  type BlockView,
  type ConversationView,
  type UserView,
} from "@private-chat/sdk";
import { CliError } from "./errors.js";
import { safeInline } from "./sanitize.js";

/** A person by exact username (with or without "@"), asked of the server. */
export async function findUser(api: ApiClient, query: string): Promise<UserView> {
  const username = query.trim().replace(/^@/, "");
  if (username === "") throw new CliError("usage", "the username is empty");
  const found = (await api.searchUsers(username, 50)).find(
    (u) => u.username.toLowerCase() === username.toLowerCase(),
  );
  if (!found) throw new CliError("not_found", `no user is named @${safeInline(username)}`);
  return found;
}

/** A blocked person by username, from the block list (they may not be searchable). */
export function findBlocked(blocks: BlockView[], query: string): BlockView {
  const username = query.trim().replace(/^@/, "").toLowerCase();
  const found = blocks.find((b) => b.user.username.toLowerCase() === username);
  if (!found)
    throw new CliError(
      "not_found",
      `@${safeInline(username)} is not blocked; chat-client blocked lists them`,
    );
  return found;
}

/** The mark after a conversation's name in listings, or "" for a normal one. */
export function requestMark(conversation: ConversationView): string {
  switch (conversation.request) {
    case "pending":
      return "[request]";
    case "sent":
      return "[request sent]";
    case "declined":
      return "[declined]";
    default:
      return "";
  }
}

/** Message requests that wait for the user's answer, then the declined ones. */
export function requestsOf(list: ConversationView[]): ConversationView[] {
  return [
    ...list.filter((c) => c.request === "pending"),
    ...list.filter((c) => c.request === "declined"),
  ];
}

/** The line that stands for `count` hidden messages of blocked people. */
export function hiddenLine(count: number): string {
  return count === 1
    ? "(1 message from a person you blocked is hidden)"
    : `(${count} messages from people you blocked are hidden)`;
}

/**
 * The ids of the people the user blocked. A server without blocking (or a failed answer)
 * gives an empty set: nothing is hidden, which is what such a server means.
 */
export async function blockedSet(api: ApiClient): Promise<Set<string>> {
  try {
    return new Set((await api.blocks()).map((b) => b.user.id));
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) throw err;
    return new Set();
  }
}
