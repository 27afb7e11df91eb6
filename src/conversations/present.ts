/**
 * Conversation views: the summary every member shares, and the per-caller view with
 * role, unread count and last message.
 */

import type {
  ConversationSummary,
  ConversationView,
  MemberView,
  RequestState,
} from "@private-chat/protocol/chat";
import { presentUser } from "../auth/present.js";
import { presentMessage } from "../messages/present.js";
import type { Conversation, Member } from "../storage/conversations.js";
import { seqWindow, windowHolds } from "../storage/membership-window.js";
import type { MessageRow } from "../storage/messages.js";
import { isEncrypted } from "../storage/mls-epochs.js";
import type { User } from "../storage/users.js";

export interface PresenceLookup {
  isOnline(userId: string): boolean;
}

/**
 * What a viewer may not learn of some members: their presence (across a block, or in a
 * request) and how far they have read (in a request).
 */
export interface Veil {
  presence: Set<string>;
  reads: Set<string>;
}

export const NO_VEIL: Veil = { presence: new Set(), reads: new Set() };

export function presentMembers(
  members: Member[],
  users: Map<string, User>,
  presence: PresenceLookup,
  veil: Veil = NO_VEIL,
): MemberView[] {
  const views: MemberView[] = [];
  for (const member of members) {
    const user = users.get(member.user_id);
    if (!user) continue;
    const hidden = veil.presence.has(user.id);
    views.push({
      user: presentUser(user),
      role: member.role,
      joined_at: member.joined_at,
      read_seq: veil.reads.has(user.id) ? Number(member.joined_seq) : Number(member.read_seq),
      online: !hidden && presence.isOnline(user.id),
      last_seen_at: hidden ? null : user.lastSeenAt,
    });
  }
  return views;
}

export function presentSummary(
  conversation: Conversation,
  members: Member[],
  users: Map<string, User>,
  request = false,
): ConversationSummary {
  const summary: ConversationSummary = {
    id: conversation.id,
    type: conversation.type,
    title: conversation.title,
    created_at: conversation.created_at,
    members: members.flatMap((m) => {
      const user = users.get(m.user_id);
      return user ? [{ user: presentUser(user), role: m.role }] : [];
    }),
  };
  if (request) summary.request = true;
  return summary;
}

export interface ConversationParts {
  conversation: Conversation;
  self: Member;
  members: MemberView[];
  lastMessage: MessageRow | undefined;
  unread: number;
  /** The request state as the caller sees it, while the conversation is a request. */
  request?: RequestState | undefined;
}

export function presentConversation(parts: ConversationParts): ConversationView {
  const { conversation, self, lastMessage } = parts;
  // Only the current period is loaded here: an older last message shows as none, which
  // never shows more than the member may read.
  const visibleLast =
    lastMessage && windowHolds(seqWindow(self, []), lastMessage.seq) ? lastMessage : undefined;
  const view: ConversationView = {
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
  if (parts.request) view.request = parts.request;
  if (conversation.type === "group") {
    view.members_can_pin = conversation.members_can_pin === 1;
    view.retention_days = conversation.retention_days ?? null;
  }
  if (isEncrypted(conversation)) {
    view.encrypted = true;
    view.mls_epoch = Number(conversation.mls_epoch);
  }
  return view;
}
