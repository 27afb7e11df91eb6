/**
 * /api/v1/blocks: block a person, list whom the caller blocked, lift a block.
 */
import { blockBody, blockParams, blocksResponse, blockView } from "@private-chat/protocol/chat";
import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { caller } from "../auth/authenticate.js";
import { empty } from "../http/openapi.js";
import type { BlockService } from "./service.js";

export function registerBlockRoutes(root: FastifyInstance, blocks: BlockService): void {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const tags = ["blocks"];

  app.post(
    "/blocks",
    {
      schema: {
        summary: "Block a person",
        description:
          "They can no longer open a direct conversation with the caller, send to one they share, or add the caller to a group (403 `not_accepting`); no presence or typing passes between the two either way, and their @mentions no longer notify the caller. Their messages in shared groups stay stored: clients hide them using GET /blocks. 201 for a new block, 200 when the person was blocked already.",
        operationId: "blockUser",
        tags,
        body: blockBody,
        response: { 200: blockView, 201: blockView },
        errors: [404],
      },
    },
    async (request, reply) => {
      const result = await blocks.block(caller(request).user, request.body.user_id);
      reply.code(result.created ? 201 : 200);
      return result.block;
    },
  );

  app.get(
    "/blocks",
    {
      schema: {
        summary: "The people the caller blocked",
        description: "The most recent first. Only the caller ever sees their blocks.",
        operationId: "listBlocks",
        tags,
        response: { 200: blocksResponse },
      },
    },
    async (request) => ({ blocks: await blocks.list(caller(request).user) }),
  );

  app.delete(
    "/blocks/:user_id",
    {
      schema: {
        summary: "Lift a block",
        operationId: "unblockUser",
        tags,
        params: blockParams,
        response: { 204: empty("Unblocked") },
        errors: [404],
      },
    },
    async (request, reply) => {
      await blocks.unblock(caller(request).user, request.params.user_id);
      reply.code(204);
    },
  );
}
