/**
 * /api/v1/admin/*: accounts, invites, sessions and the audit log, for administrators only.
 * Registered inside the authenticated scope, so a missing token is a 401 before the admin
 * check turns a non-admin away with 403.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { caller } from "../auth/authenticate.js";
import { AppError } from "../errors.js";
import {
  type AdminCreatedInvite,
  type AdminCreatedUser,
  adminCreateInviteBody,
  adminCreateUserBody,
  adminResetPasswordBody,
  adminUpdateUserBody,
  adminUsersQuery,
  auditQuery,
  DEFAULT_INVITE_HOURS,
} from "../protocol/admin.js";
import { idParams } from "../protocol/rest.js";
import { presentAdminUser, presentAuditEntry, presentInvite } from "./present.js";
import { AdminService, type AdminServiceDeps, actorOf } from "./service.js";

async function requireAdmin(request: FastifyRequest, _reply: FastifyReply): Promise<void> {
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
    const app = scope.withTypeProvider<ZodTypeProvider>();
    const tags = ["admin"];
    const actor = (request: FastifyRequest) => actorOf(caller(request).user);

    app.get("/admin/users", { schema: { querystring: adminUsersQuery, tags } }, async (request) => {
      const users = await admin.listUsers({ prefix: request.query.q, limit: request.query.limit });
      return { users: users.map(presentAdminUser) };
    });

    app.post(
      "/admin/users",
      { schema: { body: adminCreateUserBody, tags } },
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
      { schema: { params: idParams, body: adminUpdateUserBody, tags } },
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
      { schema: { params: idParams, body: adminResetPasswordBody, tags } },
      async (request) => {
        const reset = await admin.resetPassword(
          actor(request),
          request.params.id,
          request.body?.password ?? undefined,
        );
        return { password: reset.password };
      },
    );

    app.get("/admin/invites", { schema: { tags } }, async () => {
      const now = Date.now();
      const invites = await admin.listInvites();
      return { invites: invites.map((invite) => presentInvite(invite, now)) };
    });

    app.post(
      "/admin/invites",
      { schema: { body: adminCreateInviteBody, tags } },
      async (request, reply): Promise<AdminCreatedInvite> => {
        const created = await admin.createInvite(actor(request), {
          expiresInHours: request.body?.expires_in_hours ?? DEFAULT_INVITE_HOURS,
        });
        reply.code(201);
        return { invite: presentInvite(created.invite, Date.now()), code: created.code };
      },
    );

    app.delete(
      "/admin/invites/:id",
      { schema: { params: idParams, tags } },
      async (request, reply) => {
        await admin.revokeInvite(actor(request), request.params.id);
        reply.code(204);
      },
    );

    app.post("/admin/sessions/revoke-all", { schema: { tags } }, async (request) => ({
      sessions_ended: await admin.revokeAllSessions(actor(request)),
    }));

    app.get("/admin/audit", { schema: { querystring: auditQuery, tags } }, async (request) => {
      const { limit, before } = request.query;
      const entries = await admin.listAudit(before === undefined ? { limit } : { limit, before });
      return { entries: entries.map(presentAuditEntry) };
    });
  });
}
