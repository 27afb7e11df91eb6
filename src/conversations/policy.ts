/**
 * Who may do what in a conversation. A non-member gets `not_found` everywhere, exactly
 * as if the conversation did not exist.
 */
import { AppError } from "../errors.js";
import type { Conversation, Member, Role } from "../storage/conversations.js";

export function conversationNotFound(): AppError {
  return new AppError("not_found", "conversation not found");
}

const RANK: Record<Role, number> = { member: 0, admin: 1, owner: 2 };

export function isAdmin(member: Member): boolean {
  return RANK[member.role] >= RANK.admin;
}

export function requireGroup(conversation: Conversation, action: string): void {
  if (conversation.type !== "group") {
    throw new AppError("forbidden", `a direct conversation cannot ${action}`);
  }
}

export function requireAdmin(member: Member, action: string): void {
  if (!isAdmin(member)) throw new AppError("forbidden", `only admins and the owner can ${action}`);
}

export function requireOwner(member: Member, action: string): void {
  if (member.role !== "owner") throw new AppError("forbidden", `only the owner can ${action}`);
}

/** Whether `actor` may remove `target` from a group (anyone may remove themselves). */
export function mayRemove(actor: Member, target: Member): boolean {
  if (actor.user_id === target.user_id) return true;
  return RANK[actor.role] > RANK[target.role];
}

/**
 * Whether `member` may pin and unpin messages: both people of a direct conversation; in
 * a group the owner and admins, or every member when the group allows it.
 */
export function mayPin(conversation: Conversation, member: Member): boolean {
  return conversation.type === "direct" || isAdmin(member) || conversation.members_can_pin === 1;
}
