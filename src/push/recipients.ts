/**
 * Who is sent a push for a new message: the one place that decides it. Every member of
 * the conversation but the sender who has no active socket anywhere in the cluster, less
 * those who blocked the sender or declined the request. Per-conversation notification preferences (levels, mute, do not disturb) are
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
 * Message requests and blocks: nobody is woken by someone they blocked, and the
 * recipient of a declined request hears nothing of it (a pending one does notify: it is
 * how a request is noticed at all). The sender of a request is never told anything either
 * way, since they are the sender.
 */
export async function withoutRequestsOrBlocks(
  store: Store,
  facts: NewMessageFacts,
  userIds: string[],
): Promise<string[]> {
  const [request, blockers] = await Promise.all([
    store.requests.of(facts.conversationId),
    store.blocks.blockersAmong(userIds, facts.senderId),
  ]);
  const silent = new Set(blockers);
  if (request?.state === "declined") silent.add(request.recipient_id);
  return userIds.filter((id) => !silent.has(id));
}

/**
 * The users to push each new message to, in the messages' order. One membership query
 * serves a whole batch of committed messages: this runs for every message sent, and
 * while everyone is looking at the app it is all the push work a message costs.
 */
export async function pushRecipients(
  deps: RecipientDeps,
  messages: NewMessageFacts[],
): Promise<string[][]> {
  const conversationIds = [...new Set(messages.map((m) => m.conversationId))];
  const members = await deps.store.conversations.memberIdsByConversation(conversationIds);
  return Promise.all(
    messages.map((facts) => {
      const away = (members.get(facts.conversationId) ?? []).filter(
        (id) => id !== facts.senderId && !deps.isActive(id),
      );
      return away.length === 0 ? [] : withoutRequestsOrBlocks(deps.store, facts, away);
    }),
  );
}
