/**
 * Conversations: start a direct chat or a group, list and read them, rename, manage
 * members and roles, and record how far each member has read.
 */
import { randomUUID } from "node:crypto";
import type { ConversationView } from "@private-chat/protocol/chat";
import {
  type ConversationsQuery,
  type CreateConversationBody,
  MAX_TITLE,
  type Role,
} from "@private-chat/protocol/chat";
import { INVISIBLE_NAME_MESSAGE, normaliseName } from "@private-chat/protocol/names";
import { presentUser } from "../auth/present.js";
import { AppError } from "../errors.js";
import type { DomainEvents } from "../events/bus.js";
import { type EventLog, writeWithEvents } from "../events/log.js";
import type { Conversation, Member, MembershipRow } from "../storage/conversations.js";
import { isUniqueViolation } from "../storage/errors.js";
import type { Repositories, Store } from "../storage/store.js";
import type { User } from "../storage/users.js";
import { readListCursor, writeListCursor } from "./list-cursor.js";
import {
  conversationNotFound,
  mayRemove,
  requireAdmin,
  requireGroup,
  requireOwner,
} from "./policy.js";
import {
  type PresenceLookup,
  presentConversation,
  presentMembers,
  presentSummary,
} from "./present.js";
import { requestStateFor, veilFor, viewerRelations } from "./veil.js";

export interface ConversationServiceDeps {
  store: Store;
  bus: DomainEvents;
  presence: PresenceLookup;
  /** `[limits] group_adds_per_day`: groups others may add one person to in 24 hours. */
  groupAddsPerDay?: number;
}

const DAY_MS = 24 * 3600 * 1000;

export interface Created {
  conversation: ConversationView;
  created: boolean;
}

function directKey(a: string, b: string): string {
  return a < b ? `${a}:${b}` : `${b}:${a}`;
}

/** A group title as stored: the shared name rules, then the length bound. */
function cleanTitle(title: string): string {
  const clean = normaliseName(title);
  if (clean === undefined) {
    throw new AppError("invalid_request", `a group title ${INVISIBLE_NAME_MESSAGE}`);
  }
  if (clean.length > MAX_TITLE) {
    throw new AppError("invalid_request", `a group title is 1 to ${MAX_TITLE} characters`);
  }
  return clean;
}

/** The answer to someone refused by a block; it names nobody. */
export function notAccepting(action: string): AppError {
  return new AppError("not_accepting", `this person does not accept ${action} from you`);
}

/** Refuses `actor` adding any of `userIds` who blocked them to a group. */
async function refuseBlockedAdds(tx: Repositories, actor: User, userIds: string[]): Promise<void> {
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

export class ConversationService {
  constructor(private readonly deps: ConversationServiceDeps) {}

  private async activeUsers(repos: Repositories, ids: string[]): Promise<Map<string, User>> {
    const users = await repos.users.byIds(ids);
    const missing = ids.filter((id) => !users.get(id) || users.get(id)?.disabled);
    if (missing.length > 0) {
      throw new AppError("not_found", `no such user: ${missing.slice(0, 5).join(", ")}`, {
        user_ids: missing,
      });
    }
    return users;
  }

  async create(user: User, body: CreateConversationBody): Promise<Created> {
    if (body.type === "direct") return this.createDirect(user, body.member_ids[0] as string);
    const title = cleanTitle(body.title);
    const others = [...new Set(body.member_ids)].filter((id) => id !== user.id);
    const id = randomUUID();
    await writeWithEvents(this.deps.store, this.deps.bus, async (tx, log) => {
      const users = await this.activeUsers(tx, others);
      await refuseBlockedAdds(tx, user, others);
      users.set(user.id, user);
      await this.startConversation(tx, log, users, {
        id,
        type: "group",
        title,
        directKey: null,
        creator: user,
        memberIds: [user.id, ...others],
      });
      // After the insert, which the record refers to; a refusal rolls both back.
      await this.countGroupAdds(tx, id, user, others);
    });
    return { conversation: await this.get(user, id), created: true };
  }

  private async createDirect(user: User, otherId: string): Promise<Created> {
    const key = directKey(user.id, otherId);
    // Before anything else, so the answer is the same whether or not a chat exists.
    if (otherId !== user.id && (await this.deps.store.blocks.get(otherId, user.id))) {
      throw notAccepting("direct messages");
    }
    const existing = await this.deps.store.conversations.byDirectKey(key);
    if (existing && (await this.deps.store.conversations.member(existing.id, user.id))) {
      return { conversation: await this.get(user, existing.id), created: false };
    }
    const id = randomUUID();
    try {
      await writeWithEvents(this.deps.store, this.deps.bus, async (tx, log) => {
        const users = await this.activeUsers(tx, [otherId]);
        users.set(user.id, user);
        // Someone who shares nothing with the other person only asks: a message request.
        const request = otherId !== user.id && !(await tx.requests.shareAny(user.id, otherId));
        await this.startConversation(tx, log, users, {
          id,
          type: "direct",
          title: null,
          directKey: key,
          creator: user,
          memberIds: [...new Set([user.id, otherId])],
          requestTo: request ? otherId : undefined,
        });
      });
    } catch (err) {
      // Both people started the chat at the same moment: theirs won, use it.
      const raced = isUniqueViolation(err)
        ? await this.deps.store.conversations.byDirectKey(key)
        : undefined;
      if (!raced) throw err;
      return { conversation: await this.get(user, raced.id), created: false };
    }
    return { conversation: await this.get(user, id), created: true };
  }

  /**
   * Records that `actor` adds `userIds` to a group, or refuses the whole request when it
   * would take one of them past the day's cap. Runs in the write transaction, whose event
   * log lock serialises writers, so two adds at once cannot both take the last place.
   */
  private async countGroupAdds(
    tx: Repositories,
    conversationId: string,
    actor: User,
    userIds: string[],
  ): Promise<void> {
    const cap = this.deps.groupAddsPerDay;
    const added = userIds.filter((id) => id !== actor.id);
    if (cap === undefined || added.length === 0) return;
    const now = Date.now();
    const counts = await tx.groupAdds.countsSince(added, now - DAY_MS);
    const full = added.filter((id) => (counts.get(id) ?? 0) >= cap);
    if (full.length > 0) {
      throw new AppError(
        "group_add_limit",
        `${full.length === 1 ? "this person has" : "these people have"} been added to ${cap} groups by others in the last 24 hours; try again later`,
        { user_ids: full },
      );
    }
    await tx.groupAdds.record(conversationId, actor.id, added, now, now - DAY_MS);
  }

  /** Inserts a conversation with its members and logs conversation.created. */
  private async startConversation(
    tx: Repositories,
    log: EventLog,
    users: Map<string, User>,
    spec: {
      id: string;
      type: "direct" | "group";
      title: string | null;
      directKey: string | null;
      creator: User;
      memberIds: string[];
      /** The recipient, when the conversation is a message request. */
      requestTo?: string | undefined;
    },
  ): Promise<void> {
    const now = Date.now();
    const cursor = await tx.events.latestId();
    await tx.conversations.create({
      id: spec.id,
      type: spec.type,
      title: spec.title,
      direct_key: spec.directKey,
      created_by: spec.creator.id,
      created_at: now,
      updated_at: now,
      last_seq: 0,
      last_activity_at: now,
    });
    const members: Member[] = spec.memberIds.map((userId) => ({
      conversation_id: spec.id,
      user_id: userId,
      role: spec.type === "group" && userId === spec.creator.id ? "owner" : "member",
      joined_at: now,
      joined_seq: 0,
      joined_cursor: cursor,
      read_seq: 0,
    }));
    await tx.conversations.addMembers(members);
    if (spec.requestTo) await tx.requests.create(spec.id, spec.requestTo, now);
    await log.append(
      {
        type: "conversation.created",
        conversation_id: spec.id,
        conversation: presentSummary(
          (await tx.conversations.byId(spec.id)) as Conversation,
          members,
          users,
          spec.requestTo !== undefined,
        ),
        created_by: spec.creator.id,
      },
      { membership: { userIds: members.map((m) => m.user_id), action: "joined" } },
    );
  }

  async get(user: User, conversationId: string): Promise<ConversationView> {
    const repos = this.deps.store;
    const { conversation, self } = await loadMembership(repos, conversationId, user.id);
    const members = await repos.conversations.members(conversationId);
    const users = await repos.users.byIds(members.map((m) => m.user_id));
    const last = await repos.messages.lastOf([conversationId]);
    const unread = await repos.conversations.unreadCounts(user.id);
    const relations = await viewerRelations(repos, user.id, [conversationId]);
    const request = relations.requests.get(conversationId);
    const state = requestStateFor(request, user.id);
    return presentConversation({
      conversation,
      self,
      members: presentMembers(
        members,
        users,
        this.deps.presence,
        veilFor(user.id, members, request, relations.blocked),
      ),
      lastMessage: last.get(conversationId),
      // A declined request counts nothing unread: nothing of it reaches the one who declined.
      unread: state === "declined" ? 0 : (unread.get(conversationId) ?? 0),
      request: state,
    });
  }

  /**
   * One page of the user's conversations, the most recently active first, and the cursor
   * of the next page (null on the last).
   */
  async list(
    user: User,
    page: ConversationsQuery,
  ): Promise<{ conversations: ConversationView[]; next_cursor: string | null }> {
    const repos = this.deps.store;
    const after = page.cursor === undefined ? undefined : readListCursor(page.cursor);
    // One more than asked, to know whether another page follows.
    const found = await repos.conversations.membershipsOf(user.id, {
      limit: page.limit + 1,
      after,
    });
    const memberships = found.slice(0, page.limit);
    const last = memberships.at(-1);
    const next_cursor =
      found.length > page.limit && last ? writeListCursor(last.conversation) : null;
    return { conversations: await this.present(user, memberships), next_cursor };
  }

  private async present(user: User, memberships: MembershipRow[]): Promise<ConversationView[]> {
    const repos = this.deps.store;
    const ids = memberships.map((m) => m.conversation_id);
    const members = await repos.conversations.membersOf(ids);
    const users = await repos.users.byIds(members.map((m) => m.user_id));
    const lastMessages = await repos.messages.lastOf(ids);
    const unread = await repos.conversations.unreadCounts(user.id);
    const relations = await viewerRelations(repos, user.id, ids);
    const byConversation = new Map<string, Member[]>();
    for (const m of members) {
      const list = byConversation.get(m.conversation_id) ?? [];
      list.push(m);
      byConversation.set(m.conversation_id, list);
    }
    return memberships.map((membership) => {
      const id = membership.conversation_id;
      const members = byConversation.get(id) ?? [];
      const request = relations.requests.get(id);
      const state = requestStateFor(request, user.id);
      return presentConversation({
        conversation: membership.conversation,
        self: membership,
        members: presentMembers(
          members,
          users,
          this.deps.presence,
          veilFor(user.id, members, request, relations.blocked),
        ),
        lastMessage: lastMessages.get(id),
        unread: state === "declined" ? 0 : (unread.get(id) ?? 0),
        request: state,
      });
    });
  }

  async rename(user: User, conversationId: string, title: string): Promise<ConversationView> {
    const clean = cleanTitle(title);
    await writeWithEvents(this.deps.store, this.deps.bus, async (tx, log) => {
      const { conversation, self } = await loadMembership(tx, conversationId, user.id);
      requireGroup(conversation, "be renamed");
      requireAdmin(self, "rename a group");
      if (conversation.title === clean) return;
      await tx.conversations.setTitle(conversationId, clean, Date.now());
      await log.append({
        type: "conversation.updated",
        conversation_id: conversationId,
        title: clean,
        updated_by: user.id,
      });
    });
    return this.get(user, conversationId);
  }

  async addMembers(
    user: User,
    conversationId: string,
    userIds: string[],
  ): Promise<ConversationView> {
    await writeWithEvents(this.deps.store, this.deps.bus, async (tx, log) => {
      const { conversation, self } = await loadMembership(tx, conversationId, user.id);
      requireGroup(conversation, "change its members");
      requireAdmin(self, "add members");
      const current = new Set(await tx.conversations.memberIds(conversationId));
      const fresh = [...new Set(userIds)].filter((id) => !current.has(id));
      if (fresh.length === 0) return;
      const users = await this.activeUsers(tx, fresh);
      await refuseBlockedAdds(tx, user, fresh);
      await this.countGroupAdds(tx, conversationId, user, fresh);
      const now = Date.now();
      const cursor = await tx.events.latestId();
      const lastSeq = Number(conversation.last_seq);
      await tx.conversations.addMembers(
        fresh.map((userId) => ({
          conversation_id: conversationId,
          user_id: userId,
          role: "member" as const,
          joined_at: now,
          // A new member sees what is said from now on, not what came before.
          joined_seq: lastSeq,
          joined_cursor: cursor,
          read_seq: lastSeq,
        })),
      );
      await tx.conversations.touchActivity(conversationId, now);
      for (const userId of fresh) {
        await log.append(
          {
            type: "member.joined",
            conversation_id: conversationId,
            user: presentUser(users.get(userId) as User),
            role: "member",
            added_by: user.id,
          },
          { membership: { userIds: [userId], action: "joined" } },
        );
      }
    });
    return this.get(user, conversationId);
  }

  /** Removes a member, or lets the caller leave; the owner's role passes on when they go. */
  async removeMember(user: User, conversationId: string, targetId: string): Promise<void> {
    await writeWithEvents(this.deps.store, this.deps.bus, async (tx, log) => {
      const { conversation, self } = await loadMembership(tx, conversationId, user.id);
      requireGroup(conversation, "change its members");
      const target =
        targetId === user.id ? self : await tx.conversations.member(conversationId, targetId);
      if (!target) throw new AppError("not_found", "that user is not a member");
      if (!mayRemove(self, target))
        throw new AppError("forbidden", "you cannot remove this member");
      if (target.role === "owner")
        await this.passOwnership(tx, log, conversationId, target.user_id);
      // The period ends before the removal's own events: the one removed gets a copy.
      const leftCursor = await tx.events.latestId();
      await tx.conversations.removeMember(conversationId, target.user_id, leftCursor);
      const event = {
        type: "member.left" as const,
        conversation_id: conversationId,
        user_id: target.user_id,
        removed_by: user.id,
      };
      await log.append(event, { membership: { userIds: [target.user_id], action: "left" } });
      // The one who left is no member any more, so they get their own copy.
      await log.append(event, { userId: target.user_id });
    });
  }

  private async passOwnership(
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
  async setRole(
    user: User,
    conversationId: string,
    targetId: string,
    role: Role,
  ): Promise<ConversationView> {
    await writeWithEvents(this.deps.store, this.deps.bus, async (tx, log) => {
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
    return this.get(user, conversationId);
  }

  /**
   * Accepts a message request (a declined one too), as the person asked: presence,
   * typing and receipts flow from now on. The one who asked may not accept it.
   */
  async accept(user: User, conversationId: string): Promise<ConversationView> {
    await writeWithEvents(this.deps.store, this.deps.bus, async (tx, log) => {
      await loadMembership(tx, conversationId, user.id);
      await this.requireRecipient(tx, conversationId, user, "accept");
      await tx.requests.remove(conversationId);
      await log.append({
        type: "request.accepted",
        conversation_id: conversationId,
        user_id: user.id,
      });
    });
    return this.get(user, conversationId);
  }

  /**
   * Declines a message request, as the person asked: nothing of it reaches them until
   * they accept it after all. The one who asked sees no difference.
   */
  async decline(user: User, conversationId: string): Promise<ConversationView> {
    const repos = this.deps.store;
    const { conversation } = await loadMembership(repos, conversationId, user.id);
    const request = await this.requireRecipient(repos, conversationId, user, "decline");
    if (request.state !== "declined") {
      await repos.requests.setState(conversationId, "declined", Date.now());
      this.deps.bus.emit("relations.changed", {
        type: "request",
        request: {
          conversationId,
          creatorId: conversation.created_by ?? "",
          recipientId: user.id,
          state: "declined",
        },
      });
    }
    return this.get(user, conversationId);
  }

  private async requireRecipient(
    tx: Repositories,
    conversationId: string,
    user: User,
    action: string,
  ) {
    const request = await tx.requests.of(conversationId);
    if (!request) throw new AppError("conflict", "this conversation is no message request");
    if (request.recipient_id !== user.id)
      throw new AppError("forbidden", `only the person asked can ${action} a message request`);
    return request;
  }

  /** Records that the user has read up to `seq`; tells the other members. */
  async markRead(user: User, conversationId: string, seq: number): Promise<number> {
    return writeWithEvents(this.deps.store, this.deps.bus, async (tx, log) => {
      const { conversation, self } = await loadMembership(tx, conversationId, user.id);
      const target = Math.min(seq, Number(conversation.last_seq));
      if (target <= Number(self.read_seq)) return Number(self.read_seq);
      await tx.conversations.advanceRead(conversationId, user.id, target);
      // In a request no receipt reaches the other side: only the reader's own devices.
      const request = conversation.type === "direct" && (await tx.requests.of(conversationId));
      await log.append(
        { type: "read", conversation_id: conversationId, user_id: user.id, seq: target },
        request ? { userId: user.id } : {},
      );
      return target;
    });
  }
}
