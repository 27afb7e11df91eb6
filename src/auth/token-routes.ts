/**
 * /api/v1/tokens: a person's own personal access tokens. Only a sign-in manages tokens
 * (route-scopes.ts): a token cannot mint or revoke tokens.
 */
import { idParams } from "@private-chat/protocol/rest";
import {
  createdTokenResponse,
  createTokenBody,
  tokensResponse,
} from "@private-chat/protocol/tokens";
import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { empty } from "../http/openapi.js";
import type { Store } from "../storage/store.js";
import { type AccessTokens, presentToken } from "./access-tokens.js";
import { caller } from "./authenticate.js";
import { clientOf } from "./routes.js";

export function registerTokenRoutes(root: FastifyInstance, tokens: AccessTokens, store: Store) {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const tags = ["integrations"];

  app.post(
    "/tokens",
    {
      schema: {
        summary: "Make a personal access token",
        description:
          "The token (`pct_…`) is in this answer only; the server keeps its hash. Scopes narrow what it may do and never go past the caller's rights; `admin` is for administrators' tokens only.",
        operationId: "createToken",
        tags,
        body: createTokenBody,
        response: { 201: createdTokenResponse },
        errors: [403, 409],
      },
    },
    async (request, reply) => {
      const me = caller(request).user;
      const issued = await store.transaction((tx) =>
        tokens.issue(tx, me, me, request.body, clientOf(request)),
      );
      reply.code(201);
      return { token: issued.secret, access_token: presentToken(issued.token) };
    },
  );

  app.get(
    "/tokens",
    {
      schema: {
        summary: "List the caller's personal access tokens",
        operationId: "listTokens",
        tags,
        response: { 200: tokensResponse },
      },
    },
    async (request) => ({
      tokens: (await tokens.list(caller(request).user.id)).map(presentToken),
    }),
  );

  app.delete(
    "/tokens/:id",
    {
      schema: {
        summary: "Revoke a personal access token",
        description:
          "Requests with it fail from now on, and the sockets it opened close on every node.",
        operationId: "revokeToken",
        tags,
        params: idParams,
        response: { 204: empty("Revoked") },
        errors: [404],
      },
    },
    async (request, reply) => {
      const me = caller(request).user;
      await tokens.revoke(me, me.id, request.params.id);
      reply.code(204);
    },
  );
}
