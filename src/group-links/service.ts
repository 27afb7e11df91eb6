/**
 * Groups of a sign-in provider (or a directory) linked to group conversations: made and
 * removed by administrators (audited), and applied to a person whenever their groups
 * are known afresh — at each sign-in through the provider, at each directory sync. A
 * person in the group who is not a member is added; one who left the group is taken out,
 * if the link added them (someone an admin added stays). Each change is one write with
 * its member events, attributed to the administrator who made the link, and audited.
 */
import { randomUUID } from "node:crypto";
import type { CreateGroupLinkBody, GroupLinkView } from "@private-chat/protocol/admin";
import { type AdminActor, adminChange, recordAdminAction } from "../admin/actors.js";
import { joinGroup, leaveGroup } from "../conversations/members.js";
import { AppError, notFound } from "../errors.js";
import type { DomainEvents } from "../events/bus.js";
import { writeWithEvents } from "../events/log.js";
import type { GroupLink } from "../storage/group-links.js";
import type { Store } from "../storage/store.js";
import type { User } from "../storage/users.js";

export interface GroupLinkDeps {
  store: Store;
  bus: DomainEvents;
  /** The sources groups may come from: "oidc:<id>" per provider, "ldap" with a directory. */
  sources: () => string[];
}

export class GroupLinkService {
  constructor(private readonly deps: GroupLinkDeps) {}

  async list(): Promise<GroupLinkView[]> {
    const links = await this.deps.store.groupLinks.list();
    const conversations = await this.deps.store.conversations.byIds(
      links.map((l) => l.conversationId),
    );
    return links.map((l) => present(l, conversations.get(l.conversationId)?.title ?? null));
  }

  async create(actor: AdminActor, body: CreateGroupLinkBody): Promise<GroupLinkView> {
    const sources = this.deps.sources();
    if (!sources.includes(body.source)) {
      throw new AppError(
        "invalid_request",
        `"${body.source}" is no source of groups here; the sources are: ${sources.join(", ") || "none (configure [[oidc.providers]] or [ldap])"}`,
      );
    }
    const link: GroupLink = {
      id: randomUUID(),
      source: body.source,
      group: body.group,
      conversationId: body.conversation_id,
      createdBy: actor.id ?? "",
      createdAt: Date.now(),
    };
    const title = await adminChange(this.deps.store, actor, async (tx) => {
      const conversation = await tx.conversations.byId(body.conversation_id);
      if (!conversation) throw notFound("conversation");
      if (conversation.type !== "group")
        throw new AppError("invalid_request", "only a group conversation can follow a group");
      // Made by the operator at the command line: the group's creator stands for it.
      link.createdBy ||= conversation.created_by ?? "";
      if (!(await tx.groupLinks.create(link)))
        throw new AppError("conflict", "this group is linked to this conversation already");
      await recordAdminAction(
        tx,
        actor,
        "group_link.create",
        { type: "group_link", id: link.id },
        { source: link.source, group: link.group, conversation_id: link.conversationId },
        link.createdAt,
      );
      return conversation.title;
    });
    return present(link, title);
  }

  /** Unlinks; the members the link added stay (they are members like any other now). */
  async remove(actor: AdminActor, id: string): Promise<void> {
    await adminChange(this.deps.store, actor, async (tx) => {
      const link = await tx.groupLinks.byId(id);
      if (!link || !(await tx.groupLinks.remove(id))) throw notFound("group link");
      await recordAdminAction(
        tx,
        actor,
        "group_link.delete",
        { type: "group_link", id },
        { source: link.source, group: link.group, conversation_id: link.conversationId },
        Date.now(),
      );
    });
  }

  /** Applies a person's groups, as `source` knows them now, to the linked conversations. */
  async apply(source: string, user: User, groups: readonly string[]): Promise<void> {
    if (user.disabled || user.deletedAt !== null) return;
    for (const link of await this.deps.store.groupLinks.ofSource(source)) {
      const inGroup = groups.includes(link.group);
      await writeWithEvents(this.deps.store, this.deps.bus, async (tx, log) => {
        const conversation = await tx.conversations.byId(link.conversationId);
        if (conversation?.type !== "group") return;
        const member = await tx.conversations.member(conversation.id, user.id);
        let action: "group_link.member_added" | "group_link.member_removed";
        if (inGroup && !member) {
          await joinGroup(tx, log, conversation, link.createdBy, [user]);
          await tx.groupLinks.recordAdded(link.id, user.id);
          action = "group_link.member_added";
        } else if (!inGroup && member && (await tx.groupLinks.addedBy(link.id, user.id))) {
          await leaveGroup(tx, log, conversation.id, member, link.createdBy);
          await tx.groupLinks.forgetAdded(link.id, user.id);
          action = "group_link.member_removed";
        } else return;
        await tx.audit.append({
          actor: { id: null, label: source },
          action,
          targetType: "user",
          targetId: user.id,
          details: { username: user.username, group: link.group, conversation_id: conversation.id },
          now: Date.now(),
        });
      });
    }
  }
}

function present(link: GroupLink, title: string | null): GroupLinkView {
  return {
    id: link.id,
    source: link.source,
    group: link.group,
    conversation_id: link.conversationId,
    conversation_title: title,
    created_by: link.createdBy,
    created_at: link.createdAt,
  };
}
