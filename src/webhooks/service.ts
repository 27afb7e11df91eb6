/**
 * Incoming webhooks: a member makes one for a group; it gets a bot account of its own
 * (display name = the hook's name), which joins the group and is what the hook's
 * messages are sent as, through the one message write path (MessageService.send).
 * The URL's secret is kept only as a SHA-256 hash. A hook stops, and its URL answers
 * 404 like an unknown one, while its creator is no member of the group or is disabled
 * or deleted; deleting the hook deletes its row and its bot account (which leaves).
 */
import { randomBytes, randomUUID } from "node:crypto";
import { WEBHOOK_SECRET_PREFIX, type WebhookPayload } from "@private-chat/protocol/webhooks";
import type { AdminActor } from "../admin/actors.js";
import { hashSecret } from "../auth/access-tokens.js";
import { createBotAccount } from "../bots/account.js";
import { joinGroup } from "../conversations/members.js";
import { loadMembership } from "../conversations/membership.js";
import { requireGroup } from "../conversations/policy.js";
import { AppError } from "../errors.js";
import type { DomainEvents } from "../events/bus.js";
import { writeWithEvents } from "../events/log.js";
import type { MessageService } from "../messages/service.js";
import type { IncomingWebhook } from "../storage/incoming-webhooks.js";
import type { Store } from "../storage/store.js";
import type { User } from "../storage/users.js";
import { storedDisplayName } from "../users/display-name.js";
import { payloadToBody } from "./payload.js";
import type { HookRateLimit } from "./rate-limit.js";

export const MAX_WEBHOOKS_PER_CONVERSATION = 20;

export interface WebhookServiceDeps {
  store: Store;
  bus: DomainEvents;
  messages: MessageService;
  deleteAccount: (userId: string, actor: AdminActor) => Promise<unknown>;
  rateLimit: HookRateLimit;
}

export interface HookWithState {
  hook: IncomingWebhook;
  bot: User;
  /** False while the creator is out of the group, disabled or deleted. */
  active: boolean;
}

/** Every unknown, wrong, deleted or stopped hook answers alike: nothing tells them apart. */
function hookNotFound(): AppError {
  return new AppError("not_found", "no such webhook");
}

const usable = (u: User | undefined): u is User =>
  u !== undefined && !u.disabled && u.deletedAt === null;

export class WebhookService {
  constructor(private readonly deps: WebhookServiceDeps) {}

  async create(
    user: User,
    conversationId: string,
    name: string,
  ): Promise<{ hook: HookWithState; secret: string }> {
    const secret = `${WEBHOOK_SECRET_PREFIX}${randomBytes(32).toString("base64url")}`;
    const id = randomUUID();
    // A generated name: the display name is the hook's, the username only has to be free.
    const username = `hook_${id.replaceAll("-", "").slice(0, 12)}`;
    const displayName = storedDisplayName(name, username);
    return writeWithEvents(this.deps.store, this.deps.bus, async (tx, log) => {
      const { conversation } = await loadMembership(tx, conversationId, user.id);
      // A direct conversation is two people; a third account would make it a group.
      requireGroup(conversation, "have webhooks");
      if (
        (await tx.incomingWebhooks.countInConversation(conversationId)) >=
        MAX_WEBHOOKS_PER_CONVERSATION
      )
        throw new AppError(
          "conflict",
          `a conversation has at most ${MAX_WEBHOOKS_PER_CONVERSATION} webhooks`,
        );
      const now = Date.now();
      const bot = await createBotAccount(tx, { username, displayName, ownerId: user.id, now });
      const hook: IncomingWebhook = {
        id,
        conversationId,
        botUserId: bot.id,
        createdBy: user.id,
        name: displayName,
        createdAt: now,
        lastUsedAt: null,
      };
      await tx.incomingWebhooks.create({ ...hook, secretHash: hashSecret(secret) });
      await joinGroup(tx, log, conversation, user.id, [bot]);
      await tx.audit.append({
        actor: { id: user.id, label: user.username },
        action: "webhook.create",
        targetType: "conversation",
        targetId: conversationId,
        details: { webhook_id: id, name: displayName, bot_user_id: bot.id },
        now,
      });
      return { hook: { hook, bot, active: true }, secret };
    });
  }

  /** A group's hooks, for its members. */
  async list(user: User, conversationId: string): Promise<HookWithState[]> {
    const { store } = this.deps;
    await loadMembership(store, conversationId, user.id);
    const hooks = await store.incomingWebhooks.inConversation(conversationId);
    const members = new Set(await store.conversations.memberIds(conversationId));
    const users = await store.users.byIds([
      ...new Set(hooks.flatMap((h) => [h.botUserId, h.createdBy])),
    ]);
    return hooks.flatMap((hook) => {
      const bot = users.get(hook.botUserId);
      if (!bot) return [];
      const creator = users.get(hook.createdBy);
      return [{ hook, bot, active: usable(creator) && members.has(hook.createdBy) }];
    });
  }

  /** Revokes a hook: any member of its group may. Its URL answers 404 from then on. */
  async remove(user: User, hookId: string): Promise<void> {
    const { store } = this.deps;
    const hook = await store.incomingWebhooks.byId(hookId);
    if (!hook || !(await store.conversations.member(hook.conversationId, user.id)))
      throw hookNotFound();
    const removed = await store.transaction(async (tx) => {
      if (!(await tx.incomingWebhooks.delete(hook.id))) return false;
      await tx.audit.append({
        actor: { id: user.id, label: user.username },
        action: "webhook.delete",
        targetType: "conversation",
        targetId: hook.conversationId,
        details: { webhook_id: hook.id, name: hook.name, bot_user_id: hook.botUserId },
        now: Date.now(),
      });
      return true;
    });
    if (!removed) throw hookNotFound();
    this.deps.rateLimit.forget(hook.id);
    // After the row: the URL is dead even if this fails (the bot then stays a silent member).
    await this.deps.deleteAccount(hook.botUserId, { id: user.id, label: user.username });
  }

  /** `POST <hook URL>`: the message's id, once it is committed. */
  async post(secret: string, payload: WebhookPayload): Promise<{ messageId: string }> {
    const { store } = this.deps;
    const hook = await store.incomingWebhooks.bySecretHash(hashSecret(secret));
    if (!hook) throw hookNotFound();
    this.deps.rateLimit.take(hook.id);
    const body = payloadToBody(payload);
    const users = await store.users.byIds([hook.botUserId, hook.createdBy]);
    const bot = users.get(hook.botUserId);
    if (!usable(bot) || !usable(users.get(hook.createdBy))) throw hookNotFound();
    const members = await store.conversations.memberIds(hook.conversationId);
    if (!members.includes(hook.createdBy) || !members.includes(bot.id)) throw hookNotFound();
    const sent = await this.deps.messages.send(bot, hook.conversationId, { body });
    await store.incomingWebhooks.touch(hook.id, Date.now());
    return { messageId: sent.message.id };
  }
}
