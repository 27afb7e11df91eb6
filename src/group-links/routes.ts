/**
 * /api/v1/admin/group-links: linking a provider's (or a directory's) group to a group
 * conversation, administrators only (registered in the admin scope, after its checks).
 */
import {
  createGroupLinkBody,
  groupLinksResponse,
  groupLinkView,
} from "@private-chat/protocol/admin";
import { idParams } from "@private-chat/protocol/rest";
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import type { AdminActor } from "../admin/actors.js";
import { empty } from "../http/openapi.js";
import type { GroupLinkService } from "./service.js";

export function registerGroupLinkRoutes(
  scope: FastifyInstance,
  links: GroupLinkService,
  actor: (request: FastifyRequest) => AdminActor,
): void {
  const app = scope.withTypeProvider<ZodTypeProvider>();
  const tags = ["admin"];

  app.get(
    "/admin/group-links",
    {
      schema: {
        summary: "Provider groups linked to group conversations",
        operationId: "adminListGroupLinks",
        tags,
        response: { 200: groupLinksResponse },
      },
    },
    async () => ({ links: await links.list() }),
  );

  app.post(
    "/admin/group-links",
    {
      schema: {
        summary: "Link a provider's group to a group conversation",
        description:
          "From then on, each person's groups, as the provider tells them at sign-in, add them to the conversation or take out those the link added. Audited as group_link.create.",
        operationId: "adminCreateGroupLink",
        tags,
        body: createGroupLinkBody,
        response: { 201: groupLinkView },
        errors: [404, 409],
      },
    },
    async (request, reply) => {
      const link = await links.create(actor(request), request.body);
      reply.code(201);
      return link;
    },
  );

  app.delete(
    "/admin/group-links/:id",
    {
      schema: {
        summary: "Unlink a group; the members it added stay",
        operationId: "adminDeleteGroupLink",
        tags,
        params: idParams,
        response: { 204: empty("Done; nothing to return") },
        errors: [404],
      },
    },
    async (request, reply) => {
      await links.remove(actor(request), request.params.id);
      reply.code(204);
    },
  );
}
