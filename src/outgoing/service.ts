/**
 * A bot's outgoing integrations, as its owner (or the bot itself, with its token) manages
 * them and members use them: event subscriptions (an HTTPS URL and the events it wants;
 * delivered by delivery-worker.ts) and slash commands (run here: the member's `/name text` is POSTed, signed, to the
 * bot's URL, and its answer shown to them alone or posted as the bot). Every URL is
 * checked when it is given and again, by the guarded client, at each request.
 */
import { randomUUID } from "node:crypto";
import {
  type AvailableCommand,
  type CommandRequest,
  type CommandView,
  type CreateCommandBody,
  type CreateSubscriptionBody,
  commandAnswer,
  type RunCommandBody,
  type RunCommandResponse,
  SIGNING_SECRET_PREFIX,
  type SubscribableEvent,
  type SubscriptionView,
} from "@private-chat/protocol/outgoing";
import { newSecret } from "../auth/access-tokens.js";
import { presentUser } from "../auth/present.js";
import type { Authenticated } from "../auth/service.js";
import type { BotService } from "../bots/service.js";
import { loadMembership } from "../conversations/membership.js";
import { AppError } from "../errors.js";
import type { MessageService } from "../messages/service.js";
import { type GuardedFetch, OutboundError } from "../outbound/guarded-fetch.js";
import type { EventSubscriptionRow } from "../storage/event-subscriptions.js";
import type { SlashCommandRow } from "../storage/slash-commands.js";
import type { Store } from "../storage/store.js";
import type { User } from "../storage/users.js";
import { signedHeaders } from "./signature.js";

export const MAX_SUBSCRIPTIONS_PER_BOT = 10;
export const MAX_COMMANDS_PER_BOT = 20;

export interface OutgoingServiceDeps {
  store: Store;
  bots: BotService;
  messages: MessageService;
  /** For event subscriptions' URLs (checked here; used by the delivery worker). */
  guard: GuardedFetch;
  /** For slash commands: its deadline is the 3 seconds a member waits. */
  commandGuard: GuardedFetch;
  /** A subscription was made or events may be waiting: the worker looks now. */
  wake: () => void;
  onCommand: (outcome: RunCommandResponse["outcome"]) => void;
}

function presentSubscription(row: EventSubscriptionRow, queued: number): SubscriptionView {
  let events: SubscribableEvent[] = [];
  try {
    events = JSON.parse(row.events) as SubscribableEvent[];
  } catch {}
  const at = (value: number | null) => (value === null ? null : Number(value));
  return {
    id: row.id,
    bot_id: row.bot_id,
    url: row.url,
    events,
    created_at: Number(row.created_at),
    queued,
    attempts: row.attempts,
    retry_at: at(row.retry_at),
    last_attempt_at: at(row.last_attempt_at),
    last_success_at: at(row.last_success_at),
    last_status: row.last_status,
    last_error: row.last_error,
    dropped: Number(row.dropped),
  };
}

export function presentCommand(row: SlashCommandRow): CommandView {
  return {
    id: row.id,
    bot_id: row.bot_id,
    name: row.name,
    url: row.url,
    description: row.description,
    usage: row.usage,
    created_at: Number(row.created_at),
  };
}

export class OutgoingService {
  constructor(private readonly deps: OutgoingServiceDeps) {}

  /**
   * The bot whose integrations the caller may manage: with a sign-in, one of their bots;
   * with an access token, only the bot the token belongs to (the bot's program sets up
   * its own subscriptions and commands). Someone else's bot is not found.
   */
  private async managed(caller: Authenticated, botId: string): Promise<User> {
    const { user, session } = caller;
    if (session.scopes === null) return this.deps.bots.mine(user, botId);
    if (user.isBot && user.id === botId) return user;
    throw new AppError(
      "insufficient_scope",
      "an access token manages only its own bot's subscriptions and commands; sign in to manage your bots",
    );
  }

  /** The URL as it will be used, or 422 `invalid_url` saying what is wrong with it. */
  private async checkUrl(url: string): Promise<string> {
    try {
      return (await this.deps.guard.checkUrl(url)).href;
    } catch (err) {
      if (err instanceof OutboundError) throw new AppError("invalid_url", err.message);
      throw err;
    }
  }

  async subscribe(
    caller: Authenticated,
    botId: string,
    body: CreateSubscriptionBody,
  ): Promise<{ subscription: SubscriptionView; secret: string }> {
    const bot = await this.managed(caller, botId);
    const url = await this.checkUrl(body.url);
    const { store } = this.deps;
    const secret = newSecret(SIGNING_SECRET_PREFIX);
    const id = randomUUID();
    await store.transaction(async (tx) => {
      if ((await tx.eventSubscriptions.forBot(bot.id)).length >= MAX_SUBSCRIPTIONS_PER_BOT)
        throw new AppError(
          "conflict",
          `a bot has at most ${MAX_SUBSCRIPTIONS_PER_BOT} event subscriptions`,
        );
      const now = Date.now();
      await tx.eventSubscriptions.create({
        id,
        botId: bot.id,
        url,
        events: [...new Set(body.events)],
        secret,
        now,
        // Events from now on: what the log held before is not the subscription's.
        fromCursor: await tx.events.latestId(),
      });
      await tx.audit.append({
        actor: { id: caller.user.id, label: caller.user.username },
        action: "bot.subscribe",
        targetType: "user",
        targetId: bot.id,
        details: { subscription_id: id, url, events: body.events },
        now,
      });
    });
    this.deps.wake();
    const row = await store.eventSubscriptions.byId(id);
    if (!row) throw new AppError("not_found", "subscription not found");
    return { subscription: presentSubscription(row, 0), secret };
  }

  async subscriptions(caller: Authenticated, botId: string): Promise<SubscriptionView[]> {
    const bot = await this.managed(caller, botId);
    const rows = await this.deps.store.eventSubscriptions.forBot(bot.id);
    const lengths = await this.deps.store.eventSubscriptions.queueLengths(rows.map((r) => r.id));
    return rows.map((row) => presentSubscription(row, lengths.get(row.id) ?? 0));
  }

  /** Deletes a subscription and whatever it still had queued. */
  async unsubscribe(caller: Authenticated, botId: string, subscriptionId: string): Promise<void> {
    const bot = await this.managed(caller, botId);
    await this.deps.store.transaction(async (tx) => {
      const row = await tx.eventSubscriptions.byId(subscriptionId);
      if (!row || row.bot_id !== bot.id) throw new AppError("not_found", "subscription not found");
      await tx.eventSubscriptions.remove(row.id);
      await tx.audit.append({
        actor: { id: caller.user.id, label: caller.user.username },
        action: "bot.unsubscribe",
        targetType: "user",
        targetId: bot.id,
        details: { subscription_id: row.id },
        now: Date.now(),
      });
    });
  }

  async addCommand(
    caller: Authenticated,
    botId: string,
    body: CreateCommandBody,
  ): Promise<{ command: CommandView; secret: string }> {
    const bot = await this.managed(caller, botId);
    const url = await this.checkUrl(body.url);
    const row: SlashCommandRow = {
      id: randomUUID(),
      bot_id: bot.id,
      name: body.name,
      url,
      description: body.description ?? "",
      usage: body.usage ?? "",
      secret: newSecret(SIGNING_SECRET_PREFIX),
      created_at: Date.now(),
    };
    await this.deps.store.transaction(async (tx) => {
      if ((await tx.slashCommands.countForBot(bot.id)) >= MAX_COMMANDS_PER_BOT)
        throw new AppError("conflict", `a bot has at most ${MAX_COMMANDS_PER_BOT} commands`);
      if ((await tx.slashCommands.byName(row.name)) !== undefined)
        throw new AppError("conflict", `/${row.name} is taken on this server`);
      await tx.slashCommands.create(row);
      await tx.audit.append({
        actor: { id: caller.user.id, label: caller.user.username },
        action: "bot.command.create",
        targetType: "user",
        targetId: bot.id,
        details: { command_id: row.id, name: row.name, url },
        now: row.created_at,
      });
    });
    return { command: presentCommand(row), secret: row.secret };
  }

  async commands(caller: Authenticated, botId: string): Promise<CommandView[]> {
    const bot = await this.managed(caller, botId);
    return (await this.deps.store.slashCommands.forBot(bot.id)).map(presentCommand);
  }

  async removeCommand(caller: Authenticated, botId: string, commandId: string): Promise<void> {
    const bot = await this.managed(caller, botId);
    await this.deps.store.transaction(async (tx) => {
      const row = await tx.slashCommands.byId(commandId);
      if (!row || row.bot_id !== bot.id) throw new AppError("not_found", "command not found");
      await tx.slashCommands.remove(row.id);
      await tx.audit.append({
        actor: { id: caller.user.id, label: caller.user.username },
        action: "bot.command.delete",
        targetType: "user",
        targetId: bot.id,
        details: { command_id: row.id, name: row.name },
        now: Date.now(),
      });
    });
  }

  /** The commands a member may run in a conversation: those of its bot members. */
  async available(user: User, conversationId: string): Promise<AvailableCommand[]> {
    const { store } = this.deps;
    await loadMembership(store, conversationId, user.id);
    const rows = await store.slashCommands.availableIn(conversationId);
    const bots = await store.users.byIds([...new Set(rows.map((r) => r.bot_id))]);
    return rows.flatMap((row) => {
      const bot = bots.get(row.bot_id);
      return bot
        ? [
            {
              name: row.name,
              description: row.description,
              usage: row.usage,
              bot: presentUser(bot),
            },
          ]
        : [];
    });
  }

  /**
   * Runs `/name text` for a member: a signed POST to the command's URL, whose answer
   * (within the command guard's deadline) is shown to the member alone, or posted to the
   * conversation as the bot. No answer in time, or a wrong one, is "it did not answer".
   */
  async run(user: User, conversationId: string, body: RunCommandBody): Promise<RunCommandResponse> {
    const { store } = this.deps;
    await loadMembership(store, conversationId, user.id);
    const [row] = await store.slashCommands.availableIn(conversationId, body.name);
    if (!row) throw new AppError("not_found", `no command /${body.name} in this conversation`);
    const bot = await store.users.byId(row.bot_id);
    if (!bot) throw new AppError("not_found", `no command /${body.name} in this conversation`);
    const request: CommandRequest = {
      id: `cmd_${randomUUID()}`,
      command: `/${row.name}`,
      text: body.text ?? "",
      conversation_id: conversationId,
      user: presentUser(user),
      created_at: Date.now(),
    };
    const payload = JSON.stringify(request);
    const notice = (why: string): RunCommandResponse => {
      this.deps.onCommand("no_answer");
      return {
        outcome: "no_answer",
        visibility: "ephemeral",
        text: `/${row.name} did not answer (${why})`,
        bot: presentUser(bot),
      };
    };
    let answer: { text: string; visibility: "ephemeral" | "conversation" };
    try {
      const res = await this.deps.commandGuard.send(row.url, {
        method: "POST",
        headers: signedHeaders(row.secret, payload, request.id),
        body: payload,
      });
      if (res.status < 200 || res.status >= 300) return notice(`it answered ${res.status}`);
      const text = res.body.toString("utf8").trim();
      if (text === "") {
        answer = { text: "", visibility: "ephemeral" };
      } else {
        let parsed: unknown;
        try {
          parsed = JSON.parse(text);
        } catch {
          return notice("its answer is not JSON");
        }
        const checked = commandAnswer.safeParse(parsed);
        if (!checked.success) return notice("its answer has no text");
        const { visibility, response_type } = checked.data;
        answer = {
          text: checked.data.text,
          visibility: visibility ?? (response_type === "in_channel" ? "conversation" : "ephemeral"),
        };
      }
    } catch (err) {
      if (!(err instanceof OutboundError)) throw err;
      return notice(
        err.reason === "timeout" || err.reason === "connect_timeout"
          ? "no answer in time"
          : err.message,
      );
    }
    if (answer.visibility === "conversation" && answer.text.trim() !== "") {
      let sent: Awaited<ReturnType<MessageService["send"]>>;
      try {
        sent = await this.deps.messages.send(bot, conversationId, { body: answer.text });
      } catch (err) {
        // The bot's text is not one the conversation takes (too long, say): the member hears why.
        if (err instanceof AppError && err.status < 500) return notice(err.message);
        throw err;
      }
      this.deps.onCommand("answered");
      return {
        outcome: "answered",
        visibility: "conversation",
        text: answer.text,
        bot: presentUser(bot),
        message: sent.message,
      };
    }
    this.deps.onCommand("answered");
    return {
      outcome: "answered",
      visibility: "ephemeral",
      text: answer.text,
      bot: presentUser(bot),
    };
  }
}
