/**
 * /api/v1/admin/*: accounts, invites, sessions and the audit log, for administrators only.
 * Registered inside the authenticated scope, so a missing token is a 401 before the admin
 * check turns a non-admin away with 403.
 */

import {
  type AdminCreatedInvite,
  type AdminCreatedUser,
  adminCreatedInvite,
  adminCreatedUser,
  adminCreateInviteBody,
  adminCreateUserBody,
  adminPasswordResponse,
  adminResetPasswordBody,
  adminServerResponse,
  adminSessionParams,
  adminSessionsResponse,
  adminUpdateUserBody,
  adminUserResponse,
  adminUsersQuery,
  adminUsersResponse,
  auditQuery,
  auditResponse,
  DEFAULT_INVITE_HOURS,
  invitesResponse,
  type RuntimeSettings as RuntimeSettingsValues,
  revokeAllSessionsResponse,
  settingsBody,
  settingsResponse,
} from "@private-chat/protocol/admin";
import { idParams } from "@private-chat/protocol/rest";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { caller } from "../auth/authenticate.js";
import { AppError } from "../errors.js";
import { registerGroupLinkRoutes } from "../group-links/routes.js";
import { empty } from "../http/openapi.js";
import { type AdminActor, actorOf } from "./actors.js";
import {
  presentAdminSession,
  presentAdminUser,
  presentAuditEntry,
  presentInvite,
} from "./present.js";
import { AdminService, type AdminServiceDeps } from "./service.js";

/** Turns away a caller who is not an administrator (also guards src/users/export-routes.ts). */
export async function requireAdmin(request: FastifyRequest, _reply: FastifyReply): Promise<void> {
  if (!caller(request).user.isAdmin)
    throw new AppError("forbidden", "only an administrator can do this");
}

export async function registerAdminRoutes(
  root: FastifyInstance,
  deps: AdminServiceDeps,
): Promise<void> {
  const admin = new AdminService(deps);
  await root.register(async (scope) => {
    // After the scope's authentication (parents' hooks run first), before any body is read.
    scope.addHook("preParsing", requireAdmin);
    // Again once the body is parsed (the scope's recheck has refreshed the caller by then);
    // the service checks a third time inside the transaction that makes the change.
    scope.addHook("preHandler", requireAdmin);
    const app = scope.withTypeProvider<ZodTypeProvider>();
    const tags = ["admin"];
    const actor = (request: FastifyRequest): AdminActor => {
      const auth = caller(request);
      return { ...actorOf(auth.user), caller: auth };
    };
    if (deps.groupLinks) registerGroupLinkRoutes(scope, deps.groupLinks, actor);

    app.get(
      "/admin/users",
      {
        schema: {
          summary: "All accounts, by username prefix",
          operationId: "adminListUsers",
          tags,
          querystring: adminUsersQuery,
          response: { 200: adminUsersResponse },
        },
      },
      async (request) => {
        const { q, limit } = request.query;
        return { users: (await admin.listUsers({ prefix: q, limit })).map(presentAdminUser) };
      },
    );

    app.post(
      "/admin/users",
      {
        schema: {
          summary: "Create an account",
          operationId: "adminCreateUser",
          tags,
          body: adminCreateUserBody,
          response: { 201: adminCreatedUser },
          errors: [409],
        },
      },
      async (request, reply): Promise<AdminCreatedUser> => {
        const { username, password, display_name, is_admin } = request.body;
        const created = await admin.createUser(actor(request), {
          username,
          admin: is_admin,
          ...(password !== undefined ? { password } : {}),
          ...(display_name !== undefined ? { displayName: display_name } : {}),
        });
        reply.code(201);
        const user = presentAdminUser(created.user);
        return created.generatedPassword === undefined
          ? { user }
          : { user, password: created.generatedPassword };
      },
    );

    app.patch(
      "/admin/users/:id",
      {
        schema: {
          summary: "Disable, enable, promote or demote an account",
          operationId: "adminUpdateUser",
          tags,
          params: idParams,
          body: adminUpdateUserBody,
          response: { 200: adminUserResponse },
          errors: [404, 409],
        },
      },
      async (request) => {
        const { disabled, is_admin } = request.body;
        const update = await admin.updateUser(actor(request), request.params.id, {
          ...(disabled !== undefined ? { disabled } : {}),
          ...(is_admin !== undefined ? { isAdmin: is_admin } : {}),
        });
        return { user: presentAdminUser(update.user) };
      },
    );

    app.post(
      "/admin/users/:id/reset-password",
      {
        schema: {
          summary: "Set a new password and end the account's sessions",
          operationId: "adminResetPassword",
          tags,
          params: idParams,
          body: adminResetPasswordBody,
          response: { 200: adminPasswordResponse },
          errors: [404],
        },
      },
      async (request) => {
        const reset = await admin.resetPassword(
          actor(request),
          request.params.id,
          request.body?.password ?? undefined,
        );
        return { password: reset.password };
      },
    );

    app.delete(
      "/admin/users/:id/two-factor",
      {
        schema: {
          summary: "Remove an account's second factors (a lost phone or key)",
          description:
            "Its authenticator app, passkeys and recovery codes go; its person signs in with the password alone and sets up new ones. Audited as user.reset_two_factor.",
          operationId: "adminResetTwoFactor",
          tags,
          params: idParams,
          response: { 204: empty("Done; nothing to return") },
          errors: [404, 410],
        },
      },
      async (request, reply) => {
        await admin.resetTwoFactor(actor(request), request.params.id);
        reply.code(204);
      },
    );

    app.delete(
      "/admin/users/:id",
      {
        schema: {
          summary: "Delete an account, for good",
          operationId: "adminDeleteUser",
          tags,
          params: idParams,
          response: { 204: empty("Deleted; nothing to return") },
          errors: [404, 409],
        },
      },
      async (request, reply) => {
        await admin.deleteUser(actor(request), request.params.id);
        reply.code(204);
      },
    );

    const listInvites = {
      summary: "All invites",
      operationId: "adminListInvites",
      tags,
      response: { 200: invitesResponse },
    };
    app.get(
      "/admin/server",
      {
        schema: {
          summary: "The server at a glance: version, nodes, sockets, activity and sizes",
          operationId: "adminServer",
          tags,
          response: { 200: adminServerResponse },
        },
      },
      async (_request, reply) => {
        reply.header("cache-control", "no-store");
        return admin.serverStats();
      },
    );

    const settingsView = async (values: RuntimeSettingsValues) => ({
      settings: values,
      defaults: deps.settings ? deps.settings.defaults : values,
    });
    app.get(
      "/admin/settings",
      {
        schema: {
          summary: "The settings an administrator may change while the server runs",
          operationId: "adminSettings",
          tags,
          response: { 200: settingsResponse },
        },
      },
      async () => settingsView(await admin.settings().refresh()),
    );
    app.patch(
      "/admin/settings",
      {
        schema: {
          summary: "Change run-time settings (null: back to the configuration file's value)",
          operationId: "adminUpdateSettings",
          tags,
          body: settingsBody,
          response: { 200: settingsResponse },
        },
      },
      async (request) => settingsView(await admin.settings().update(actor(request), request.body)),
    );

    app.get(
      "/admin/users/:id/sessions",
      {
        schema: {
          summary: "An account's live sessions, newest first",
          operationId: "adminListUserSessions",
          tags,
          params: idParams,
          response: { 200: adminSessionsResponse },
          errors: [404],
        },
      },
      async (request) => ({
        sessions: (await admin.listSessions(request.params.id)).map(presentAdminSession),
      }),
    );

    app.delete(
      "/admin/users/:id/sessions",
      {
        schema: {
          summary: "End every session of an account; its sockets close on every node",
          operationId: "adminRevokeUserSessions",
          tags,
          params: idParams,
          response: { 200: revokeAllSessionsResponse },
          errors: [404],
        },
      },
      async (request) => ({
        sessions_ended: await admin.revokeSessions(actor(request), request.params.id),
      }),
    );

    app.delete(
      "/admin/users/:id/sessions/:sessionId",
      {
        schema: {
          summary: "End one session of an account; its sockets close on every node",
          operationId: "adminRevokeUserSession",
          tags,
          params: adminSessionParams,
          response: { 204: empty("Ended") },
          errors: [404],
        },
      },
      async (request, reply) => {
        const { id, sessionId } = request.params;
        await admin.revokeSessions(actor(request), id, sessionId);
        reply.code(204);
      },
    );

    app.get("/admin/invites", { schema: listInvites }, async () => {
      const now = Date.now();
      const invites = await admin.listInvites();
      return { invites: invites.map((invite) => presentInvite(invite, now)) };
    });

    app.post(
      "/admin/invites",
      {
        schema: {
          summary: "Create an invite code",
          operationId: "adminCreateInvite",
          tags,
          body: adminCreateInviteBody,
          response: { 201: adminCreatedInvite },
        },
      },
      async (request, reply): Promise<AdminCreatedInvite> => {
        const created = await admin.createInvite(actor(request), {
          expiresInHours: request.body?.expires_in_hours ?? DEFAULT_INVITE_HOURS,
          ...(request.body?.max_uses !== undefined ? { maxUses: request.body.max_uses } : {}),
        });
        reply.code(201);
        return { invite: presentInvite(created.invite, Date.now()), code: created.code };
      },
    );

    app.delete(
      "/admin/invites/:id",
      {
        schema: {
          summary: "Revoke an unused invite",
          operationId: "adminRevokeInvite",
          tags,
          params: idParams,
          response: { 204: empty("Revoked") },
          errors: [404, 409],
        },
      },
      async (request, reply) => {
        await admin.revokeInvite(actor(request), request.params.id);
        reply.code(204);
      },
    );

    app.post(
      "/admin/sessions/revoke-all",
      {
        schema: {
          summary: "End every session of every account",
          operationId: "adminRevokeAllSessions",
          tags,
          response: { 200: revokeAllSessionsResponse },
        },
      },
      async (request) => ({ sessions_ended: await admin.revokeAllSessions(actor(request)) }),
    );

    app.get(
      "/admin/audit",
      {
        schema: {
          summary: "The audit log, newest first, narrowed by actor, action and time",
          operationId: "adminListAudit",
          tags,
          querystring: auditQuery,
          response: { 200: auditResponse },
        },
      },
      async (request) => {
        return { entries: (await admin.listAudit(request.query)).map(presentAuditEntry) };
      },
    );
  });
}
