/**
 * Changing who is in a group and what they may do: add members, remove one (or leave),
 * and change roles, each in one write with its events.
 */
import type { Role } from "@private-chat/protocol/chat";
import { presentUser } from "../auth/present.js";
import { AppError } from "../errors.js";
import { type EventLog, writeWithEvents } from "../events/log.js";
import type { Conversation, Member } from "../storage/conversations.js";
import { isEncrypted } from "../storage/mls-epochs.js";
import type { Repositories } from "../storage/store.js";
import type { User } from "../storage/users.js";
import { checkEncryptedSize, refuseBots } from "./encrypted.js";
import { activeUsers, loadMembership, refuseBlockedAdds } from "./membership.js";
import { mayRemove, requireAdmin, requireGroup, requireOwner } from "./policy.js";
import type { ConversationServiceDeps } from "./service.js";
import { countGroupAdds } from "./start.js";

export async function addMembers(
  deps: ConversationServiceDeps,
  user: User,
  conversationId: string,
  userIds: string[],
): Promise<void> {
  await writeWithEvents(deps.store, deps.bus, async (tx, log) => {
    const { conversation, self } = await loadMembership(tx, conversationId, user.id);
    requireGroup(conversation, "change its members");
    requireAdmin(self, "add members");
    const current = new Set(await tx.conversations.memberIds(conversationId));
    const fresh = [...new Set(userIds)].filter((id) => !current.has(id));
    if (fresh.length === 0) return;
    const users = await activeUsers(tx, fresh);
    await refuseBlockedAdds(tx, user, fresh);
    await countGroupAdds(tx, deps.groupAddsPerDay, conversationId, user, fresh);
    await joinGroup(
      tx,
      log,
      conversation,
      user.id,
      fresh.map((id) => users.get(id) as User),
    );
  });
}

/**
 * Writes new members into a group with their `member.joined` events. Callers have
 * decided who may join (addMembers: an admin's choice; webhooks: a hook's own bot).
 */
export async function joinGroup(
  tx: Repositories,
  log: EventLog,
  conversation: Conversation,
  addedBy: string,
  users: User[],
): Promise<void> {
  if (isEncrypted(conversation)) {
    refuseBots(users);
    checkEncryptedSize((await tx.conversations.memberIds(conversation.id)).length + users.length);
  }
  const now = Date.now();
  const cursor = await tx.events.latestId();
  const lastSeq = Number(conversation.last_seq);
  await tx.conversations.addMembers(
    users.map((u) => ({
      conversation_id: conversation.id,
      user_id: u.id,
      role: "member" as const,
      joined_at: now,
      // A new member sees what is said from now on, not what came before.
      joined_seq: lastSeq,
      joined_cursor: cursor,
      read_seq: lastSeq,
    })),
  );
  await tx.conversations.touchActivity(conversation.id, now);
  for (const u of users) {
    await log.append(
      {
        type: "member.joined",
        conversation_id: conversation.id,
        user: presentUser(u),
        role: "member",
        added_by: addedBy,
      },
      { membership: { userIds: [u.id], action: "joined" } },
    );
  }
}

/** Removes a member, or lets the caller leave; the owner's role passes on when they go. */
export async function removeMember(
  deps: Pick<ConversationServiceDeps, "store" | "bus">,
  user: User,
  conversationId: string,
  targetId: string,
): Promise<void> {
  await writeWithEvents(deps.store, deps.bus, async (tx, log) => {
    const { conversation, self } = await loadMembership(tx, conversationId, user.id);
    requireGroup(conversation, "change its members");
    const target =
      targetId === user.id ? self : await tx.conversations.member(conversationId, targetId);
    if (!target) throw new AppError("not_found", "that user is not a member");
    if (!mayRemove(self, target)) throw new AppError("forbidden", "you cannot remove this member");
    await leaveGroup(tx, log, conversationId, target, user.id);
  });
}

/**
 * Takes a member out of a group with its `member.left` events; the owner's role passes
 * on. Callers have decided it may happen (removeMember: the member or an admin;
 * group links: the directory).
 */
export async function leaveGroup(
  tx: Repositories,
  log: EventLog,
  conversationId: string,
  target: Member,
  removedBy: string,
): Promise<void> {
  if (target.role === "owner") await passOwnership(tx, log, conversationId, target.user_id);
  // The period ends before the removal's own events: the one removed gets a copy.
  const leftCursor = await tx.events.latestId();
  await tx.conversations.removeMember(conversationId, target.user_id, leftCursor);
  const event = {
    type: "member.left" as const,
    conversation_id: conversationId,
    user_id: target.user_id,
    removed_by: removedBy,
  };
  await log.append(event, { membership: { userIds: [target.user_id], action: "left" } });
  // The one who left is no member any more, so they get their own copy.
  await log.append(event, { userId: target.user_id });
}

async function passOwnership(
  tx: Repositories,
  log: EventLog,
  conversationId: string,
  ownerId: string,
): Promise<void> {
  const others = (await tx.conversations.members(conversationId)).filter(
    (m) => m.user_id !== ownerId,
  );
  const heir = others.find((m) => m.role === "admin") ?? others[0];
  if (!heir) return;
  await tx.conversations.setRole(conversationId, heir.user_id, "owner");
  await log.append({
    type: "member.role",
    conversation_id: conversationId,
    user_id: heir.user_id,
    role: "owner",
    changed_by: ownerId,
  });
}

/** Promote, demote, or (role "owner") hand over ownership; owner only. */
export async function setRole(
  deps: ConversationServiceDeps,
  user: User,
  conversationId: string,
  targetId: string,
  role: Role,
): Promise<void> {
  await writeWithEvents(deps.store, deps.bus, async (tx, log) => {
    const { conversation, self } = await loadMembership(tx, conversationId, user.id);
    requireGroup(conversation, "have roles");
    requireOwner(self, "change roles");
    const target = await tx.conversations.member(conversationId, targetId);
    if (!target) throw new AppError("not_found", "that user is not a member");
    if (target.user_id === user.id)
      throw new AppError("invalid_request", "hand ownership to another member instead");
    if (target.role === role) return;
    await tx.conversations.setRole(conversationId, targetId, role);
    const changes: [string, Role][] = [[targetId, role]];
    if (role === "owner") {
      await tx.conversations.setRole(conversationId, user.id, "admin");
      changes.push([user.id, "admin"]);
    }
    for (const [userId, newRole] of changes) {
      await log.append({
        type: "member.role",
        conversation_id: conversationId,
        user_id: userId,
        role: newRole,
        changed_by: user.id,
      });
    }
  });
}
