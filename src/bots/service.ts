/**
 * Bots: accounts a person makes for a program. A bot has an owner, no password (it signs
 * in with its tokens only), is added to conversations like anyone, and stops working when
 * its owner's account is disabled or deleted. Administrators may make bots; every user
 * may when `[integrations] users_can_create_bots` is on.
 */
import {
  type CreateBotBody,
  type CreateTokenBody,
  TOKEN_SCOPES,
  type TokenScope,
} from "@private-chat/protocol/tokens";
import { type AdminActor, actorOf } from "../admin/actors.js";
import type { AccessTokens, IssuedToken } from "../auth/access-tokens.js";
import type { ClientContext } from "../auth/service.js";
import { validateUsername } from "../auth/service.js";
import { AppError } from "../errors.js";
import type { AccessToken } from "../storage/access-tokens.js";
import type { Store } from "../storage/store.js";
import type { User } from "../storage/users.js";
import { storedDisplayName } from "../users/display-name.js";
import { createBotAccount } from "./account.js";

export const MAX_BOTS_PER_OWNER = 50;
const DEFAULT_SCOPES = TOKEN_SCOPES.filter((s) => s !== "admin") as TokenScope[];

export interface BotServiceDeps {
  store: Store;
  tokens: AccessTokens;
  /** Read at each creation: the setting may change with a restart only, but tests vary it. */
  usersCanCreateBots: () => boolean;
  deleteAccount: (userId: string, actor: AdminActor) => Promise<unknown>;
}

export class BotService {
  constructor(private readonly deps: BotServiceDeps) {}

  async create(
    owner: User,
    body: CreateBotBody,
    client: ClientContext,
  ): Promise<{ bot: User; issued: IssuedToken }> {
    if (owner.isBot) throw new AppError("forbidden", "a bot cannot make bots");
    if (!owner.isAdmin && !this.deps.usersCanCreateBots())
      throw new AppError("forbidden", "only administrators may make bots on this server");
    validateUsername(body.username);
    const displayName = storedDisplayName(body.display_name, body.username);
    const scopes = body.scopes ?? DEFAULT_SCOPES;
    if (scopes.includes("admin"))
      throw new AppError("forbidden", "a bot's token cannot have the admin scope");
    return this.deps.store.transaction(async (tx) => {
      const mine = await tx.users.botsOf(owner.id);
      // (Webhooks' bots count too: the cap bounds the accounts one person can make.)
      if (mine.length >= MAX_BOTS_PER_OWNER)
        throw new AppError("conflict", `you have ${MAX_BOTS_PER_OWNER} bots already`);
      const now = Date.now();
      const bot = await createBotAccount(tx, {
        username: body.username,
        displayName,
        ownerId: owner.id,
        now,
      });
      await tx.audit.append({
        actor: { id: owner.id, label: owner.username },
        action: "bot.create",
        targetType: "user",
        targetId: bot.id,
        details: { username: bot.username },
        now,
      });
      const issued = await this.deps.tokens.issue(
        tx,
        owner,
        bot,
        { name: "default", scopes },
        client,
      );
      return { bot, issued };
    });
  }

  /** The owner's bots, without the bot accounts of their webhooks. */
  async list(owner: User): Promise<User[]> {
    const bots = await this.deps.store.users.botsOf(owner.id);
    const hooks = await Promise.all(
      bots.map((bot) => this.deps.store.incomingWebhooks.isHookBot(bot.id)),
    );
    return bots.filter((_, i) => !hooks[i]);
  }

  /** One of the caller's bots, or 404: someone else's bot is not found, not forbidden. */
  async mine(owner: User, botId: string): Promise<User> {
    const bot = await this.deps.store.users.byId(botId);
    if (!bot || bot.ownerId !== owner.id || bot.deletedAt !== null)
      throw new AppError("not_found", "bot not found");
    // A webhook's bot is managed through its hook: no tokens, no deletion from here.
    if (await this.deps.store.incomingWebhooks.isHookBot(bot.id))
      throw new AppError("not_found", "bot not found");
    return bot;
  }

  async remove(owner: User, botId: string): Promise<void> {
    const bot = await this.mine(owner, botId);
    await this.deps.deleteAccount(bot.id, actorOf(owner));
  }

  async issueToken(
    owner: User,
    botId: string,
    body: CreateTokenBody,
    client: ClientContext,
  ): Promise<IssuedToken> {
    const bot = await this.mine(owner, botId);
    return this.deps.store.transaction((tx) =>
      this.deps.tokens.issue(tx, owner, bot, body, client),
    );
  }

  async tokensOf(owner: User, botId: string): Promise<AccessToken[]> {
    const bot = await this.mine(owner, botId);
    return this.deps.tokens.list(bot.id);
  }

  async revokeToken(owner: User, botId: string, tokenId: string): Promise<void> {
    const bot = await this.mine(owner, botId);
    await this.deps.tokens.revoke(owner, bot.id, tokenId);
  }
}
