/**
 * Conversations: start a direct chat or a group, list and read them, rename, manage
 * members and roles, and record how far each member has read. Member changes live in
 * members.ts, message requests in requests.ts, the insert of a new one in start.ts.
 */
import { randomUUID } from "node:crypto";
import type {
  ConversationsQuery,
  ConversationView,
  CreateConversationBody,
  Role,
  UpdateConversationBody,
} from "@private-chat/protocol/chat";
import type { DomainEvents } from "../events/bus.js";
import { writeWithEvents } from "../events/log.js";
import {
  checkRetention,
  NO_RETENTION_LIMIT,
  type RetentionPolicy,
} from "../messages/retention-policy.js";
import type { Member, MembershipRow } from "../storage/conversations.js";
import { isUniqueViolation } from "../storage/errors.js";
import type { Store } from "../storage/store.js";
import type { User } from "../storage/users.js";
import { botsCannotEncrypt, checkEncryptedSize, refuseBots } from "./encrypted.js";
import { readListCursor, writeListCursor } from "./list-cursor.js";
import { addMembers, removeMember, setRole } from "./members.js";
import {
  accountDeleted,
  activeUsers,
  loadMembership,
  notAccepting,
  refuseBlockedAdds,
} from "./membership.js";
import { requireAdmin, requireGroup } from "./policy.js";
import { type PresenceLookup, presentConversation, presentMembers } from "./present.js";
import { acceptRequest, declineRequest } from "./requests.js";
import { cleanTitle, countGroupAdds, directKey, startConversation } from "./start.js";
import { requestStateFor, veilFor, viewerRelations } from "./veil.js";

// Other services check membership and blocks the same way; they import these from here.
export { accountDeleted, loadMembership, notAccepting };

export interface ConversationServiceDeps {
  store: Store;
  bus: DomainEvents;
  presence: PresenceLookup;
  /** `[limits] group_adds_per_day`: groups others may add one person to in 24 hours. */
  groupAddsPerDay?: number;
  /** `[retention]`: the most a group may set (default: no limit). */
  retention?: RetentionPolicy;
}

export interface Created {
  conversation: ConversationView;
  created: boolean;
}

export class ConversationService {
  constructor(private readonly deps: ConversationServiceDeps) {}
  async create(user: User, body: CreateConversationBody): Promise<Created> {
    const encrypted = body.encrypted === true;
    if (encrypted && user.isBot) throw botsCannotEncrypt();
    if (body.type === "direct")
      return this.createDirect(user, body.member_ids[0] as string, encrypted);
    const title = cleanTitle(body.title);
    const others = [...new Set(body.member_ids)].filter((id) => id !== user.id);
    if (encrypted) checkEncryptedSize(others.length + 1);
    const id = randomUUID();
    await writeWithEvents(this.deps.store, this.deps.bus, async (tx, log) => {
      const users = await activeUsers(tx, others);
      if (encrypted) refuseBots(users.values());
      await refuseBlockedAdds(tx, user, others);
      users.set(user.id, user);
      await startConversation(tx, log, users, {
        id,
        type: "group",
        title,
        directKey: null,
        creator: user,
        memberIds: [user.id, ...others],
        encrypted,
      });
      // After the insert, which the record refers to; a refusal rolls both back.
      await countGroupAdds(tx, this.deps.groupAddsPerDay, id, user, others);
    });
    return { conversation: await this.get(user, id), created: true };
  }

  private async createDirect(user: User, otherId: string, encrypted: boolean): Promise<Created> {
    const key = directKey(user.id, otherId, encrypted);
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
        const users = await activeUsers(tx, [otherId]);
        if (encrypted) refuseBots(users.values());
        users.set(user.id, user);
        // Someone who shares nothing with the other person only asks: a message request.
        const request = otherId !== user.id && !(await tx.requests.shareAny(user.id, otherId));
        await startConversation(tx, log, users, {
          id,
          type: "direct",
          title: null,
          directKey: key,
          creator: user,
          memberIds: [...new Set([user.id, otherId])],
          requestTo: request ? otherId : undefined,
          encrypted,
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

  async get(user: User, conversationId: string): Promise<ConversationView> {
    const repos = this.deps.store;
    const { conversation, self } = await loadMembership(repos, conversationId, user.id);
    const members = await repos.conversations.members(conversationId);
    const users = await repos.users.byIds(members.map((m) => m.user_id));
    const last = await repos.messages.lastOf([conversationId]);
    const unread = await repos.conversations.unreadCounts(user.id, [conversationId]);
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
    const unread = await repos.conversations.unreadCounts(user.id, ids);
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

  /**
   * Renames a group, sets who may pin and how long it keeps messages; admins only. Each
   * change is its own event, naming the setting it changed (and the title as it is).
   */
  async update(
    user: User,
    conversationId: string,
    changes: UpdateConversationBody,
  ): Promise<ConversationView> {
    const clean = changes.title === undefined ? undefined : cleanTitle(changes.title);
    await writeWithEvents(this.deps.store, this.deps.bus, async (tx, log) => {
      const { conversation, self } = await loadMembership(tx, conversationId, user.id);
      requireGroup(conversation, "be renamed or have its settings changed");
      requireAdmin(self, "change a group");
      const now = Date.now();
      let title = conversation.title;
      const changed = (setting: { members_can_pin?: boolean; retention_days?: number | null }) =>
        log.append({
          type: "conversation.updated",
          conversation_id: conversationId,
          title,
          ...setting,
          updated_by: user.id,
        });
      if (clean !== undefined && clean !== title) {
        await tx.conversations.setTitle(conversationId, clean, now);
        title = clean;
        await changed({});
      }
      const allowed = changes.members_can_pin;
      if (allowed !== undefined && allowed !== (conversation.members_can_pin === 1)) {
        await tx.conversations.setMembersCanPin(conversationId, allowed, now);
        await changed({ members_can_pin: allowed });
      }
      const days = changes.retention_days;
      if (days !== undefined && days !== (conversation.retention_days ?? null)) {
        checkRetention(days, this.deps.retention ?? NO_RETENTION_LIMIT);
        await tx.retention.setRetention(conversationId, days, now);
        await changed({ retention_days: days });
      }
    });
    return this.get(user, conversationId);
  }

  async addMembers(
    user: User,
    conversationId: string,
    userIds: string[],
  ): Promise<ConversationView> {
    await addMembers(this.deps, user, conversationId, userIds);
    return this.get(user, conversationId);
  }

  /** Removes a member, or lets the caller leave; the owner's role passes on when they go. */
  async removeMember(user: User, conversationId: string, targetId: string): Promise<void> {
    await removeMember(this.deps, user, conversationId, targetId);
  }

  /** Promote, demote, or (role "owner") hand over ownership; owner only. */
  async setRole(
    user: User,
    conversationId: string,
    targetId: string,
    role: Role,
  ): Promise<ConversationView> {
    await setRole(this.deps, user, conversationId, targetId, role);
    return this.get(user, conversationId);
  }

  /**
   * Accepts a message request (a declined one too), as the person asked: presence,
   * typing and receipts flow from now on. The one who asked may not accept it.
   */
  async accept(user: User, conversationId: string): Promise<ConversationView> {
    await acceptRequest(this.deps, user, conversationId);
    return this.get(user, conversationId);
  }

  /**
   * Declines a message request, as the person asked: nothing of it reaches them until
   * they accept it after all. The one who asked sees no difference.
   */
  async decline(user: User, conversationId: string): Promise<ConversationView> {
    await declineRequest(this.deps, user, conversationId);
    return this.get(user, conversationId);
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
