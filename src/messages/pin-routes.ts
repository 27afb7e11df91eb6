/**
 * Pinned messages over REST: pin, unpin, and a conversation's pins.
 */

import { pinnedMessageView, pinsResponse } from "@private-chat/protocol/chat";
import { idParams } from "@private-chat/protocol/rest";
import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { caller } from "../auth/authenticate.js";
import { empty } from "../http/openapi.js";
import type { PinService } from "./pins.js";

const WHO =
  "In a direct conversation both people may pin; in a group the owner and admins, or every member once the group sets `members_can_pin`. Others answer 403 `pin_not_allowed`.";

export function registerPinRoutes(root: FastifyInstance, pins: PinService): void {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const tags = ["messages"];

  app.post(
    "/messages/:id/pin",
    {
      schema: {
        summary: "Pin a message",
        description: `${WHO} Pinning a pinned message answers its pin unchanged. A conversation holds at most 50 pins: one more answers 409 \`too_many_pins\`; a deleted message answers 409 \`conflict\`.`,
        operationId: "pinMessage",
        tags,
        params: idParams,
        response: { 200: pinnedMessageView },
        errors: [404, 409],
      },
    },
    async (request) => pins.pin(caller(request).user, request.params.id),
  );

  app.delete(
    "/messages/:id/pin",
    {
      schema: {
        summary: "Unpin a message",
        description: `${WHO} Unpinning a message that is not pinned changes nothing and answers 204 too.`,
        operationId: "unpinMessage",
        tags,
        params: idParams,
        response: { 204: empty("Not pinned (any more)") },
        errors: [404],
      },
    },
    async (request, reply) => {
      await pins.unpin(caller(request).user, request.params.id);
      reply.code(204);
    },
  );

  app.get(
    "/conversations/:id/pins",
    {
      schema: {
        summary: "A conversation's pinned messages",
        description:
          "The most recently pinned first, each with `pinned_by` and `pinned_at`; only messages the caller may read (their periods of membership).",
        operationId: "listPins",
        tags,
        params: idParams,
        response: { 200: pinsResponse },
        errors: [404],
      },
    },
    async (request) => ({ messages: await pins.list(caller(request).user, request.params.id) }),
  );
}
