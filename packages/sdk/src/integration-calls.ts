/**
 * Personal access tokens and bots (/api/v1/tokens, /api/v1/bots), reached as
 * `client.integrations`. These calls need a sign-in: a token cannot make or revoke tokens.
 */
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
}
