/**
 * Personal access tokens, bots and their outgoing integrations (/api/v1/tokens,
 * /api/v1/bots), and the slash commands of a conversation, reached as
 * `client.integrations`. Managing tokens and bots needs a sign-in: a token cannot make or
 * revoke tokens.
 */
import {
  type AvailableCommand,
  availableCommandsResponse,
  type CommandView,
  type CreateCommandBody,
  type CreatedCommandResponse,
  type CreatedSubscriptionResponse,
  type CreateSubscriptionBody,
  commandsResponse,
  createdCommandResponse,
  createdSubscriptionResponse,
  type RunCommandBody,
  type RunCommandResponse,
  runCommandResponse,
  type SubscriptionView,
  subscriptionsResponse,
} from "@private-chat/protocol/outgoing";
import {
  type BotView,
  botsResponse,
  type CreateBotBody,
  type CreatedBotResponse,
  type CreatedTokenResponse,
  type CreateTokenBody,
  createdBotResponse,
  createdTokenResponse,
  type TokenView,
  tokensResponse,
} from "@private-chat/protocol/tokens";
import type { RestTransport } from "./transport.js";

const bot = (id: string) => `/api/v1/bots/${encodeURIComponent(id)}`;
const commandsOf = (conversationId: string) =>
  `/api/v1/conversations/${encodeURIComponent(conversationId)}/commands`;

export class IntegrationCalls {
  constructor(private readonly rest: RestTransport) {}

  /** A new token for the caller; `token` in the answer is the only time the secret is shown. */
  createToken(body: CreateTokenBody): Promise<CreatedTokenResponse> {
    return this.rest.request("POST", "/api/v1/tokens", createdTokenResponse, body);
  }

  async tokens(): Promise<TokenView[]> {
    return (await this.rest.request("GET", "/api/v1/tokens", tokensResponse)).tokens;
  }

  async revokeToken(id: string): Promise<void> {
    await this.rest.call("DELETE", `/api/v1/tokens/${encodeURIComponent(id)}`);
  }

  /** A new bot owned by the caller, with its first token. */
  createBot(body: CreateBotBody): Promise<CreatedBotResponse> {
    return this.rest.request("POST", "/api/v1/bots", createdBotResponse, body);
  }

  async bots(): Promise<BotView[]> {
    return (await this.rest.request("GET", "/api/v1/bots", botsResponse)).bots;
  }

  async deleteBot(id: string): Promise<void> {
    await this.rest.call("DELETE", bot(id));
  }

  async botTokens(id: string): Promise<TokenView[]> {
    return (await this.rest.request("GET", `${bot(id)}/tokens`, tokensResponse)).tokens;
  }

  createBotToken(id: string, body: CreateTokenBody): Promise<CreatedTokenResponse> {
    return this.rest.request("POST", `${bot(id)}/tokens`, createdTokenResponse, body);
  }

  async revokeBotToken(id: string, tokenId: string): Promise<void> {
    await this.rest.call("DELETE", `${bot(id)}/tokens/${encodeURIComponent(tokenId)}`);
  }

  /** Subscribes a bot's HTTPS URL to events; `secret` (signing) is shown this once. */
  subscribe(botId: string, body: CreateSubscriptionBody): Promise<CreatedSubscriptionResponse> {
    return this.rest.request(
      "POST",
      `${bot(botId)}/subscriptions`,
      createdSubscriptionResponse,
      body,
    );
  }

  /** A bot's subscriptions, each with its delivery log (queue, last status and error). */
  async subscriptions(botId: string): Promise<SubscriptionView[]> {
    return (await this.rest.request("GET", `${bot(botId)}/subscriptions`, subscriptionsResponse))
      .subscriptions;
  }

  async unsubscribe(botId: string, subscriptionId: string): Promise<void> {
    await this.rest.call(
      "DELETE",
      `${bot(botId)}/subscriptions/${encodeURIComponent(subscriptionId)}`,
    );
  }

  /** Registers `/name` for a bot; `secret` (signing) is shown this once. */
  addCommand(botId: string, body: CreateCommandBody): Promise<CreatedCommandResponse> {
    return this.rest.request("POST", `${bot(botId)}/commands`, createdCommandResponse, body);
  }

  async commands(botId: string): Promise<CommandView[]> {
    return (await this.rest.request("GET", `${bot(botId)}/commands`, commandsResponse)).commands;
  }

  async removeCommand(botId: string, commandId: string): Promise<void> {
    await this.rest.call("DELETE", `${bot(botId)}/commands/${encodeURIComponent(commandId)}`);
  }

  /** The slash commands the caller may run in a conversation (its bots'). */
  async availableCommands(conversationId: string): Promise<AvailableCommand[]> {
    return (await this.rest.request("GET", commandsOf(conversationId), availableCommandsResponse))
      .commands;
  }

  /** Runs `/name text`: the bot's answer, or `outcome: "no_answer"` with a notice. */
  runCommand(conversationId: string, body: RunCommandBody): Promise<RunCommandResponse> {
    return this.rest.request("POST", commandsOf(conversationId), runCommandResponse, body);
  }
}
