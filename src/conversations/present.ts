/**
 * Conversation views: the summary every member shares, and the per-caller view with
 * role, unread count and last message.
 */

import type {
  ConversationSummary,
  ConversationView,
  MemberView,
} from "@private-chat/protocol/chat";
import { presentUser } from "../auth/present.js";
import { presentMessage } from "../messages/present.js";
import type { Conversation, Member } from "../storage/conversations.js";
import { seqWindow, windowHolds } from "../storage/membership-window.js";
import type { MessageRow } from "../storage/messages.js";
import type { User } from "../storage/users.js";

export interface PresenceLookup {
  isOnline(userId: string): boolean;
}

export function presentMembers(
  members: Member[],
  users: Map<string, User>,
  presence: PresenceLookup,
): MemberView[] {
  const views: MemberView[] = [];
  for (const member of members) {
    const user = users.get(member.user_id);
    if (!user) continue;
    views.push({
      user: presentUser(user),
      role: member.role,
      joined_at: member.joined_at,
      read_seq: Number(member.read_seq),
      online: presence.isOnline(user.id),
      last_seen_at: user.lastSeenAt,
    });
  }
  return views;
}

export function presentSummary(
  conversation: Conversation,
  members: Member[],
  users: Map<string, User>,
): ConversationSummary {
  return {
    id: conversation.id,
    type: conversation.type,
    title: conversation.title,
    created_at: conversation.created_at,
    members: members.flatMap((m) => {
      const user = users.get(m.user_id);
      return user ? [{ user: presentUser(user), role: m.role }] : [];
    }),
  };
}

export interface ConversationParts {
  conversation: Conversation;
  self: Member;
  members: MemberView[];
  lastMessage: MessageRow | undefined;
  unread: number;
}

export function presentConversation(parts: ConversationParts): ConversationView {
  const { conversation, self, lastMessage } = parts;
  // Only the current period is loaded here: an older last message shows as none, which
  // never shows more than the member may read.
  const visibleLast =
    lastMessage && windowHolds(seqWindow(self, []), lastMessage.seq) ? lastMessage : undefined;
  return {
    id: conversation.id,
    type: conversation.type,
    title: conversation.title,
    created_at: conversation.created_at,
    last_seq: Number(conversation.last_seq),
    last_activity_at: conversation.last_activity_at,
    members: parts.members,
    last_message: visibleLast ? presentMessage(visibleLast) : null,
    unread_count: parts.unread,
    role: self.role,
  };
}
