/**
 * Who is sent a push for a new message: the one place that decides it. Every member of
 * the conversation but the sender who has no active socket anywhere in the cluster, less
 * those who blocked the sender or declined the request, less those whose notification
 * preferences keep it quiet (level, mute, do-not-disturb hours). A reply kept to its
 * thread goes only to those who follow the thread.
 */
import { defaultLevel, inDoNotDisturb, isMuted } from "@private-chat/protocol/notifications";
import type { Store } from "../storage/store.js";

export interface RecipientDeps {
  store: Store;
  /** Whether the user had a socket, on any node, that the person was looking at, at `at`. */
  isActive(userId: string, at: number): boolean;
}

export interface NewMessageFacts {
  conversationId: string;
  senderId: string;
  /** The members the message @mentions (their `mention` events). */
  mentioned?: ReadonlySet<string>;
  /** When the message was stored: presence, mutes and do-not-disturb hours are judged at it. */
  at: number;
  /** A thread reply the timeline does not show: the root's id. */
  threadOnly?: string | undefined;
}

/**
 * The users to push each new message to, in the messages' order. This runs for every
 * message sent, so a whole batch of committed messages costs a fixed handful of
 * statements, not a handful per message; while everyone is looking at the app it is
 * one (the members).
 *
 * Message requests and blocks: nobody is woken by someone they blocked, and the
 * recipient of a declined request hears nothing of it (a pending one does notify: it is
 * how a request is noticed at all). The sender of a request is never told anything either
 * way, since they are the sender.
 *
 * Notification preferences: a muted conversation, level `none`, or do-not-disturb hours
 * send nothing; level `mentions` only what @mentions the user. Who chose nothing has the
 * default level, which follows the conversation's size.
 */
export async function pushRecipients(
  deps: RecipientDeps,
  messages: NewMessageFacts[],
): Promise<string[][]> {
  const { store } = deps;
  const conversationIds = [...new Set(messages.map((m) => m.conversationId))];
  const members = await store.conversations.memberIdsByConversation(conversationIds);
  const away = messages.map((facts) =>
    (members.get(facts.conversationId) ?? []).filter(
      (id) => id !== facts.senderId && !deps.isActive(id, facts.at),
    ),
  );
  const awayIn = new Map<string, Set<string>>();
  for (const [i, facts] of messages.entries()) {
    const users = awayIn.get(facts.conversationId) ?? new Set<string>();
    for (const id of away[i] ?? []) users.add(id);
    awayIn.set(facts.conversationId, users);
  }
  const everyone = [...new Set(away.flat())];
  if (everyone.length === 0) return messages.map(() => []);
  const wanted = [...awayIn].filter(([, users]) => users.size > 0).map(([id]) => id);
  const senders = [...new Set(messages.map((m) => m.senderId))];
  const threads = [...new Set(messages.flatMap((m) => (m.threadOnly ? [m.threadOnly] : [])))];
  const [requests, blocked, prefs, conversations, followers] = await Promise.all([
    store.requests.among(wanted),
    store.blocks.blockedPairs(everyone, senders),
    store.notifications.forRecipients(
      new Map(wanted.map((id) => [id, [...(awayIn.get(id) ?? [])]])),
    ),
    store.conversations.byIds(wanted),
    store.threadFollows.followersOf(threads),
  ]);
  return messages.map((facts, i) => {
    const conversation = conversations.get(facts.conversationId);
    if (!conversation) return [];
    const request = requests.get(facts.conversationId);
    const fallback = defaultLevel(
      conversation.type,
      (members.get(facts.conversationId) ?? []).length,
    );
    const preferences = prefs.get(facts.conversationId);
    const { at } = facts;
    const following = facts.threadOnly ? followers.get(facts.threadOnly) : undefined;
    return (away[i] ?? []).filter((id) => {
      if (facts.threadOnly && !following?.has(id)) return false;
      if (blocked.has(`${id} ${facts.senderId}`)) return false;
      if (request?.state === "declined" && request.recipient_id === id) return false;
      const pref = preferences?.get(id);
      if (pref && (isMuted(pref.muted_until, at) || inDoNotDisturb(pref.dnd, at))) return false;
      const level = pref?.level ?? fallback;
      if (level === "none") return false;
      return level === "all" || (facts.mentioned?.has(id) ?? false);
    });
  });
}
