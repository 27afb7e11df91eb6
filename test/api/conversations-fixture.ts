/**
 * Member lookups the conversations API suites share.
 */
import type { ConversationView, MemberView } from "@private-chat/protocol/chat";

export const V1 = "/api/v1";

export function roleOf(conversation: ConversationView, userId: string): string | undefined {
  return conversation.members.find((m: MemberView) => m.user.id === userId)?.role;
}

export function memberIds(conversation: ConversationView): string[] {
  return conversation.members.map((m) => m.user.id).sort();
}
