/**
 * /api/v1/bots: the caller's bots and their tokens.
 */
import { idParams } from "@private-chat/protocol/rest";
import {
  botsResponse,
  botTokenParams,
  createBotBody,
  createdBotResponse,
  createdTokenResponse,
  createTokenBody,
  tokensResponse,
} from "@private-chat/protocol/tokens";
import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { presentToken } from "../auth/access-tokens.js";
import { caller } from "../auth/authenticate.js";
import { presentUser } from "../auth/present.js";
import { clientOf } from "../auth/routes.js";
import { empty } from "../http/openapi.js";
import type { User } from "../storage/users.js";
import type { BotService } from "./service.js";

function presentBot(bot: User) {
  return { bot: presentUser(bot), owner_id: bot.ownerId ?? "" };
}

export function registerBotRoutes(root: FastifyInstance, bots: BotService): void {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const tags = ["integrations"];

  app.post(
    "/bots",
    {
      schema: {
        summary: "Make a bot",
        description:
          "A bot is a user (`is_bot: true`) with the caller as its owner. It has no password; the answer holds its first token, shown this once. Administrators may make bots, and everyone when `[integrations] users_can_create_bots` is on.",
        operationId: "createBot",
        tags,
        body: createBotBody,
        response: { 201: createdBotResponse },
        errors: [403, 409],
      },
    },
    async (request, reply) => {
      const { bot, issued } = await bots.create(
        caller(request).user,
        request.body,
        clientOf(request),
      );
      reply.code(201);
      return {
        ...presentBot(bot),
        token: issued.secret,
        access_token: presentToken(issued.token),
      };
    },
  );

  app.get(
    "/bots",
    {
      schema: {
        summary: "List the caller's bots",
        operationId: "listBots",
        tags,
        response: { 200: botsResponse },
      },
    },
    async (request) => ({ bots: (await bots.list(caller(request).user)).map(presentBot) }),
  );

  app.delete(
    "/bots/:id",
    {
      schema: {
        summary: "Delete one of the caller's bots",
        description: "Its tokens stop at once; its messages stay, as a deleted user's.",
        operationId: "deleteBot",
        tags,
        params: idParams,
        response: { 204: empty("Deleted") },
        errors: [404],
      },
    },
    async (request, reply) => {
      await bots.remove(caller(request).user, request.params.id);
      reply.code(204);
    },
  );

  app.get(
    "/bots/:id/tokens",
    {
      schema: {
        summary: "List a bot's tokens",
        operationId: "listBotTokens",
        tags,
        params: idParams,
        response: { 200: tokensResponse },
        errors: [404],
      },
    },
    async (request) => ({
      tokens: (await bots.tokensOf(caller(request).user, request.params.id)).map(presentToken),
    }),
  );

  app.post(
    "/bots/:id/tokens",
    {
      schema: {
        summary: "Make another token for a bot",
        description:
          "To rotate a bot's token without a gap: make the new one, then revoke the old.",
        operationId: "createBotToken",
        tags,
        params: idParams,
        body: createTokenBody,
        response: { 201: createdTokenResponse },
        errors: [403, 404, 409],
      },
    },
    async (request, reply) => {
      const issued = await bots.issueToken(
        caller(request).user,
        request.params.id,
        request.body,
        clientOf(request),
      );
      reply.code(201);
      return { token: issued.secret, access_token: presentToken(issued.token) };
    },
  );

  app.delete(
    "/bots/:id/tokens/:tokenId",
    {
      schema: {
        summary: "Revoke a bot's token",
        operationId: "revokeBotToken",
        tags,
        params: botTokenParams,
        response: { 204: empty("Revoked") },
        errors: [404],
      },
    },
    async (request, reply) => {
      await bots.revokeToken(caller(request).user, request.params.id, request.params.tokenId);
      reply.code(204);
    },
  );
}
