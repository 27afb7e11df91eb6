/**
 * Checks shared by every conversation write: who is a member, who exists, and who
 * refuses the caller by a block.
 */
import { AppError } from "../errors.js";
import type { Conversation, Member } from "../storage/conversations.js";
import type { Repositories } from "../storage/store.js";
import type { User } from "../storage/users.js";
import { conversationNotFound } from "./policy.js";

/** The answer to someone refused by a block; it names nobody. */
export function notAccepting(action: string): AppError {
  return new AppError("not_accepting", `this person does not accept ${action} from you`);
}

/** The answer to a send into a direct conversation whose other member deleted their account. */
export function accountDeleted(): AppError {
  return new AppError(
    "account_deleted",
    "this person deleted their account: messages would reach nobody",
  );
}

/** Refuses `actor` adding any of `userIds` who blocked them to a group. */
export async function refuseBlockedAdds(
  tx: Repositories,
  actor: User,
  userIds: string[],
): Promise<void> {
  const blockers = await tx.blocks.blockersAmong(
    userIds.filter((id) => id !== actor.id),
    actor.id,
  );
  if (blockers.length > 0) throw notAccepting("being added to groups");
}

/** Loads a conversation and the caller's membership, or answers not_found. */
export async function loadMembership(
  repos: Repositories,
  conversationId: string,
  userId: string,
): Promise<{ conversation: Conversation; self: Member }> {
  const self = await repos.conversations.member(conversationId, userId);
  const conversation = self ? await repos.conversations.byId(conversationId) : undefined;
  if (!self || !conversation) throw conversationNotFound();
  return { conversation, self };
}

/** The users `ids` name, or not_found naming those who do not exist or are disabled. */
export async function activeUsers(repos: Repositories, ids: string[]): Promise<Map<string, User>> {
  const users = await repos.users.byIds(ids);
  const missing = ids.filter((id) => !users.get(id) || users.get(id)?.disabled);
  if (missing.length > 0) {
    throw new AppError("not_found", `no such user: ${missing.slice(0, 5).join(", ")}`, {
      user_ids: missing,
    });
  }
  return users;
}
