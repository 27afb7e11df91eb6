/**
 * /api/v1/devices/{id}/history-shares: history shared between the caller's own devices
 * (docs/E2EE.md, "Sharing from a device"), each a sealed archive addressed to the device
 * `{id}`. Signed-in people only (see auth/route-scopes.ts): no access token reaches these.
 */
import {
  createHistoryShareBody,
  HISTORY_SHARE_MAX_BYTES,
  HISTORY_SHARE_TTL_MS,
  HISTORY_SHARES_PENDING_MAX,
  historyShareEntry,
  historyShareParams,
  historySharesResponse,
  historyShareView,
} from "@private-chat/protocol/history-shares";
import { idParams } from "@private-chat/protocol/rest";
import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { caller } from "../auth/authenticate.js";
import { empty } from "../http/openapi.js";
import type { HistoryShareService } from "./service.js";

const DAY_MS = 24 * 3600 * 1000;

export function registerHistoryShareRoutes(
  root: FastifyInstance,
  shares: HistoryShareService,
): void {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const tags = ["devices"];

  app.post(
    "/devices/:id/history-shares",
    {
      schema: {
        summary: "Leave a sealed archive of history for another of the caller's devices",
        description: `From the caller's device \`from_device_id\` to their device \`{id}\` (another of theirs: 404 \`not_found\` for anyone else's, 400 for the same device). The archive is sealed on the sending device (AES-256-GCM, at most ${HISTORY_SHARE_MAX_BYTES / 1024} KiB), its key sealed with HPKE to the init key of the target's key package \`key_package_ref\`, and the share signed with the sending device's key; the server checks sizes only. At most ${HISTORY_SHARES_PENDING_MAX} shares wait for one device (413 \`quota_exceeded\`); each expires ${HISTORY_SHARE_TTL_MS / DAY_MS} days after it is left.`,
        operationId: "createHistoryShare",
        tags,
        params: idParams,
        body: createHistoryShareBody,
        response: { 201: historyShareEntry },
        errors: [404],
      },
    },
    async (request, reply) => {
      const made = await shares.create(caller(request).user, request.params.id, request.body);
      reply.code(201);
      return made;
    },
  );

  app.get(
    "/devices/:id/history-shares",
    {
      schema: {
        summary: "The history shares waiting for one of the caller's devices, oldest first",
        operationId: "listHistoryShares",
        tags,
        params: idParams,
        response: { 200: historySharesResponse },
        errors: [404],
      },
    },
    async (request) => ({
      shares: await shares.list(caller(request).user, request.params.id),
    }),
  );

  app.get(
    "/devices/:id/history-shares/:share_id",
    {
      schema: {
        summary: "One history share waiting for the caller's device, with its sealed archive",
        operationId: "getHistoryShare",
        tags,
        params: historyShareParams,
        response: { 200: historyShareView },
        errors: [404],
      },
    },
    async (request) => shares.get(caller(request).user, request.params.id, request.params.share_id),
  );

  app.delete(
    "/devices/:id/history-shares/:share_id",
    {
      schema: {
        summary: "Remove a history share and its bytes: taken, or refused by the device",
        operationId: "deleteHistoryShare",
        tags,
        params: historyShareParams,
        response: { 204: empty("Removed") },
        errors: [404],
      },
    },
    async (request, reply) => {
      await shares.remove(caller(request).user, request.params.id, request.params.share_id);
      reply.code(204);
    },
  );
}
