/**
 * /api/v1/auth/*, /api/v1/me and /api/v1/sessions.
 */
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { changePasswordBody, idParams, loginBody, registerBody } from "../protocol/rest.js";
import { caller, requireAuth } from "./authenticate.js";
import { presentSession, presentUser } from "./present.js";
import type { AuthService, ClientContext } from "./service.js";
import type { TicketService } from "./tickets.js";

function clientOf(request: FastifyRequest): ClientContext {
  return { ip: request.ip, userAgent: String(request.headers["user-agent"] ?? "") };
}

export function registerAuthRoutes(
  root: FastifyInstance,
  auth: AuthService,
  tickets: TicketService,
): void {
  const app = root.withTypeProvider<ZodTypeProvider>();
  // After the rate limit, before the body is parsed (see app.ts).
  const authed = { preParsing: requireAuth(auth) };

  app.post(
    "/auth/register",
    { schema: { body: registerBody, tags: ["auth"] } },
    async (request, reply) => {
      reply.code(201);
      return auth.register(request.body, clientOf(request));
    },
  );

  app.post("/auth/login", { schema: { body: loginBody, tags: ["auth"] } }, async (request) =>
    auth.login(request.body, clientOf(request)),
  );

  app.post("/auth/logout", { ...authed, schema: { tags: ["auth"] } }, async (request, reply) => {
    await auth.logout(caller(request));
    reply.code(204);
  });

  app.post(
    "/auth/password",
    { ...authed, schema: { body: changePasswordBody, tags: ["auth"] } },
    async (request, reply) => {
      await auth.changePassword(caller(request), request.body);
      reply.code(204);
    },
  );

  app.post("/socket-ticket", { ...authed, schema: { tags: ["auth"] } }, async (request) =>
    tickets.issue(caller(request)),
  );

  app.get("/me", { ...authed, schema: { tags: ["auth"] } }, async (request) => ({
    user: presentUser(caller(request).user),
  }));

  app.get("/sessions", { ...authed, schema: { tags: ["auth"] } }, async (request) => {
    const { user, session } = caller(request);
    const sessions = await auth.listSessions(user.id);
    return { sessions: sessions.map((s) => presentSession(s, session.id)) };
  });

  app.delete(
    "/sessions/:id",
    { ...authed, schema: { params: idParams, tags: ["auth"] } },
    async (request, reply) => {
      await auth.revokeSession(caller(request), request.params.id);
      reply.code(204);
    },
  );
}
