/**
 * Who is sent a push for a new message: the one place that decides it. Today every
 * member of the conversation but the sender who has no active socket anywhere in the
 * cluster. Per-conversation notification preferences (levels, mute, do not disturb) are
 * to be consulted here as well.
 */
import type { Store } from "../storage/store.js";

export interface RecipientDeps {
  store: Store;
  /** Whether the user has a socket, on any node, that the person is looking at. */
  isActive(userId: string): boolean;
}

export interface NewMessageFacts {
  conversationId: string;
  senderId: string;
}

/**
 * The hook for message requests and blocks: members for whom this conversation is a
 * pending or declined message request, or who blocked the sender, are to be left out
 * here. This server has no such state yet, so nobody is.
 */
export async function withoutRequestsOrBlocks(
  _store: Store,
  _facts: NewMessageFacts,
  userIds: string[],
): Promise<string[]> {
  return userIds;
}

/** The users to push a new message to. */
export async function pushRecipients(
  deps: RecipientDeps,
  facts: NewMessageFacts,
): Promise<string[]> {
  const members = await deps.store.conversations.memberIds(facts.conversationId);
  const away = members.filter((id) => id !== facts.senderId && !deps.isActive(id));
  if (away.length === 0) return [];
  return withoutRequestsOrBlocks(deps.store, facts, away);
}
