/**
 * /api/v1/auth/*, /api/v1/me and /api/v1/sessions.
 */

import {
  authResponse,
  changePasswordBody,
  deleteAccountBody,
  idParams,
  loginBody,
  meResponse,
  registerBody,
  sessionsResponse,
  socketTicketResponse,
} from "@private-chat/protocol/rest";
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { type AdminActor, actorOf } from "../admin/actors.js";
import { empty, PUBLIC } from "../http/openapi.js";
import { caller, requireAuth } from "./authenticate.js";
import { presentSession, presentUser } from "./present.js";
import { recheckAfterBody } from "./recheck.js";
import type { AuthService, ClientContext } from "./service.js";
import type { TicketService } from "./tickets.js";

export function clientOf(request: FastifyRequest): ClientContext {
  return {
    ip: request.ip,
    userAgent: String(request.headers["user-agent"] ?? ""),
    origin: `${request.protocol}://${request.host}`,
  };
}

export function registerAuthRoutes(
  root: FastifyInstance,
  auth: AuthService,
  tickets: TicketService,
  /** Deletes an account as asked by `actor` ([accounts] on_delete decides the messages). */
  deleteAccount: (userId: string, actor: AdminActor) => Promise<unknown>,
): void {
  const app = root.withTypeProvider<ZodTypeProvider>();
  // After the rate limit, before the body is parsed, and again once it is (see app.ts).
  const authed = { preParsing: requireAuth(auth), preHandler: recheckAfterBody(auth) };
  const tags = ["auth"];
  const ended = empty("Done; nothing to return");

  app.post(
    "/auth/register",
    {
      schema: {
        summary: "Create an account and sign in",
        operationId: "register",
        tags,
        security: PUBLIC,
        body: registerBody,
        response: { 201: authResponse },
        errors: [403, 409],
      },
    },
    async (request, reply) => {
      reply.code(201);
      return auth.register(request.body, clientOf(request));
    },
  );

  app.post(
    "/auth/login",
    {
      schema: {
        summary: "Sign in with username and password",
        operationId: "login",
        tags,
        security: PUBLIC,
        body: loginBody,
        response: { 200: authResponse },
        // 409 and 503: a directory person whose name a local account has; a directory away.
        errors: [401, 403, 409, 429, 503],
      },
    },
    async (request) => auth.login(request.body, clientOf(request)),
  );

  app.post(
    "/auth/logout",
    {
      ...authed,
      schema: {
        summary: "End this session",
        operationId: "logout",
        tags,
        response: { 204: ended },
      },
    },
    async (request, reply) => {
      await auth.logout(caller(request));
      reply.code(204);
    },
  );

  app.post(
    "/auth/password",
    {
      ...authed,
      schema: {
        summary: "Change the caller's password",
        operationId: "changePassword",
        tags,
        body: changePasswordBody,
        response: { 204: ended },
      },
    },
    async (request, reply) => {
      await auth.changePassword(caller(request), request.body, clientOf(request));
      reply.code(204);
    },
  );

  app.post(
    "/socket-ticket",
    {
      ...authed,
      schema: {
        summary: "Get a one-use ticket for opening the WebSocket",
        operationId: "issueSocketTicket",
        tags,
        response: { 200: socketTicketResponse },
      },
    },
    async (request) => tickets.issue(caller(request)),
  );

  app.get(
    "/me",
    {
      ...authed,
      schema: {
        summary: "The signed-in user",
        operationId: "getMe",
        tags,
        response: { 200: meResponse },
      },
    },
    async (request) => ({ user: presentUser(caller(request).user) }),
  );

  app.delete(
    "/me",
    {
      ...authed,
      schema: {
        summary: "Delete the signed-in account, for good",
        operationId: "deleteMe",
        tags,
        body: deleteAccountBody,
        response: { 204: ended },
        errors: [401, 409, 429],
      },
    },
    async (request, reply) => {
      const signedIn = caller(request);
      await auth.confirmPassword(signedIn, request.body.password, clientOf(request));
      await deleteAccount(signedIn.user.id, { ...actorOf(signedIn.user), caller: signedIn });
      reply.code(204);
    },
  );

  app.get(
    "/sessions",
    {
      ...authed,
      schema: {
        summary: "The caller's sessions",
        operationId: "listSessions",
        tags,
        response: { 200: sessionsResponse },
      },
    },
    async (request) => {
      const { user, session } = caller(request);
      const sessions = await auth.listSessions(user.id);
      return { sessions: sessions.map((s) => presentSession(s, session.id)) };
    },
  );

  app.delete(
    "/sessions/:id",
    {
      ...authed,
      schema: {
        summary: "End one of the caller's sessions",
        operationId: "revokeSession",
        tags,
        params: idParams,
        response: { 204: ended },
        errors: [404],
      },
    },
    async (request, reply) => {
      await auth.revokeSession(caller(request), request.params.id);
      reply.code(204);
    },
  );
}
