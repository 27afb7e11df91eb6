/**
 * Who is sent a push for a new message: the one place that decides it. Every member of
 * the conversation but the sender who has no active socket anywhere in the cluster, less
 * those who blocked the sender or declined the request, less those whose notification
 * preferences keep it quiet (level, mute, do-not-disturb hours).
 */
import { defaultLevel, inDoNotDisturb, isMuted } from "@private-chat/protocol/notifications";
import type { Store } from "../storage/store.js";

export interface RecipientDeps {
  store: Store;
  /** Whether the user has a socket, on any node, that the person is looking at. */
  isActive(userId: string): boolean;
}

export interface NewMessageFacts {
  conversationId: string;
  senderId: string;
  /** The members the message @mentions (their `mention` events). */
  mentioned?: ReadonlySet<string>;
  /** When the message was stored: mutes and do-not-disturb hours are judged at it. */
  at?: number;
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
 * Notification preferences: a muted conversation, level `none`, or do-not-disturb hours
 * send nothing; level `mentions` only what @mentions the user. The preferences of every
 * recipient come in one query; who chose nothing has the default level, which follows
 * the conversation's size.
 */
export async function withoutSilenced(
  store: Store,
  facts: NewMessageFacts,
  memberCount: number,
  userIds: string[],
): Promise<string[]> {
  const [prefs, conversation] = await Promise.all([
    store.notifications.forRecipients(facts.conversationId, userIds),
    store.conversations.byId(facts.conversationId),
  ]);
  if (!conversation) return [];
  const fallback = defaultLevel(conversation.type, memberCount);
  const at = facts.at ?? Date.now();
  return userIds.filter((id) => {
    const pref = prefs.get(id);
    if (pref && (isMuted(pref.muted_until, at) || inDoNotDisturb(pref.dnd, at))) return false;
    const level = pref?.level ?? fallback;
    if (level === "none") return false;
    return level === "all" || (facts.mentioned?.has(id) ?? false);
  });
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
  const byConversation = await deps.store.conversations.memberIdsByConversation(conversationIds);
  return Promise.all(
    messages.map(async (facts) => {
      const members = byConversation.get(facts.conversationId) ?? [];
      const away = members.filter((id) => id !== facts.senderId && !deps.isActive(id));
      if (away.length === 0) return [];
      const allowed = await withoutRequestsOrBlocks(deps.store, facts, away);
      if (allowed.length === 0) return [];
      return withoutSilenced(deps.store, facts, members.length, allowed);
    }),
  );
}
