/**
 * Starting a direct chat from the terminal: the person by username, then the conversation
 * the server starts or, when there is one, opens. A chat with someone who shares no
 * conversation with the user is a message request until they accept it.
 */
import type { ApiClient, ConversationView } from "@private-chat/sdk";
import { CliError } from "./errors.js";
import type { Io } from "./io.js";
import { findUser } from "./people.js";
import { conversationName, resolveConversation } from "./resolve.js";
import { safeInline } from "./sanitize.js";

export interface StartedChat {
  conversation: ConversationView;
  /** false when the direct chat already existed. */
  created: boolean;
}

/** The direct chat with `username`, started now or opened; `encrypted` is another chat. */
export async function startDirectChat(
  api: ApiClient,
  username: string,
  encrypted = false,
): Promise<StartedChat> {
  const user = await findUser(api, username);
  return api.startConversation({
    type: "direct",
    member_ids: [user.id],
    ...(encrypted ? { encrypted } : {}),
  });
}

/** The note for a direct chat that is a message request, or undefined for a plain one. */
export function requestNote(conversation: ConversationView, name: string): string | undefined {
  switch (conversation.request) {
    case "sent":
      return `this is a message request: ${name} sees your messages once they accept it`;
    case "pending":
      return `${name} asked to chat: run chat-client accept ${name} to accept`;
    case "declined":
      return `you declined ${name}'s message request: run chat-client accept ${name} to accept it`;
    default:
      return undefined;
  }
}

/**
 * The conversation `send` writes to: the one `query` names, or for "@username" with no
 * direct chat yet, a direct chat started now (said on stderr, with any request note).
 */
export async function conversationToSend(
  api: ApiClient,
  query: string,
  meId: string,
  io: Io,
  encrypted = false,
): Promise<ConversationView> {
  try {
    return resolveConversation(await api.conversations(), query, meId, encrypted);
  } catch (err) {
    if (!(err instanceof CliError && err.code === "not_found" && query.trim().startsWith("@")))
      throw err;
  }
  const { conversation } = await startDirectChat(api, query, encrypted);
  const name = safeInline(conversationName(conversation, meId));
  const kind = encrypted ? "an end-to-end encrypted" : "a";
  io.err(io.errStyle.dim(`started ${kind} direct chat with ${name}`));
  const note = requestNote(conversation, name);
  if (note) io.err(note);
  return conversation;
}
