/**
 * /api/v1/bots/:id/subscriptions and /api/v1/bots/:id/commands (a bot's owner, signed
 * in), and /api/v1/conversations/:id/commands (the commands a member may run, and running
 * one).
 */
import {
  availableCommandsResponse,
  botCommandParams,
  botSubscriptionParams,
  commandsResponse,
  createCommandBody,
  createdCommandResponse,
  createdSubscriptionResponse,
  createSubscriptionBody,
  runCommandBody,
  runCommandResponse,
  subscriptionsResponse,
} from "@private-chat/protocol/outgoing";
import { idParams } from "@private-chat/protocol/rest";
import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { caller } from "../auth/authenticate.js";
import { empty } from "../http/openapi.js";
import type { OutgoingService } from "./service.js";

export function registerOutgoingRoutes(root: FastifyInstance, outgoing: OutgoingService): void {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const tags = ["integrations"];

  app.post(
    "/bots/:id/subscriptions",
    {
      schema: {
        summary: "Subscribe a bot's HTTPS URL to events",
        description:
          "The events of the conversations the bot is a member of (and `mention`: the bot was mentioned) are POSTed to `url`, signed with the returned `secret` (shown this once), at least once and in order, retried for up to 24 hours. The URL must be `https` and resolve to public addresses only, unless `[integrations] allow_private_urls` is on.",
        operationId: "createEventSubscription",
        tags,
        params: idParams,
        body: createSubscriptionBody,
        response: { 201: createdSubscriptionResponse },
        errors: [404, 409, 422],
      },
    },
    async (request, reply) => {
      const created = await outgoing.subscribe(caller(request), request.params.id, request.body);
      reply.code(201);
      return created;
    },
  );

  app.get(
    "/bots/:id/subscriptions",
    {
      schema: {
        summary: "List a bot's event subscriptions, with their delivery log",
        description:
          "Each with its queue length, the head delivery's attempts and next try, and the last attempt's status and error.",
        operationId: "listEventSubscriptions",
        tags,
        params: idParams,
        response: { 200: subscriptionsResponse },
        errors: [404],
      },
    },
    async (request) => ({
      subscriptions: await outgoing.subscriptions(caller(request), request.params.id),
    }),
  );

  app.delete(
    "/bots/:id/subscriptions/:subscriptionId",
    {
      schema: {
        summary: "Delete an event subscription",
        description: "What it still had queued is dropped.",
        operationId: "deleteEventSubscription",
        tags,
        params: botSubscriptionParams,
        response: { 204: empty("Deleted") },
        errors: [404],
      },
    },
    async (request, reply) => {
      await outgoing.unsubscribe(caller(request), request.params.id, request.params.subscriptionId);
      reply.code(204);
    },
  );

  app.post(
    "/bots/:id/commands",
    {
      schema: {
        summary: "Register a slash command for a bot",
        description:
          "`/name` becomes available in the conversations the bot is a member of. Running it POSTs the command, signed with the returned `secret` (shown this once), to `url`; the answer must come within 3 seconds. A name is unique on the server.",
        operationId: "createSlashCommand",
        tags,
        params: idParams,
        body: createCommandBody,
        response: { 201: createdCommandResponse },
        errors: [404, 409, 422],
      },
    },
    async (request, reply) => {
      const created = await outgoing.addCommand(caller(request), request.params.id, request.body);
      reply.code(201);
      return created;
    },
  );

  app.get(
    "/bots/:id/commands",
    {
      schema: {
        summary: "List a bot's slash commands",
        operationId: "listSlashCommands",
        tags,
        params: idParams,
        response: { 200: commandsResponse },
        errors: [404],
      },
    },
    async (request) => ({
      commands: await outgoing.commands(caller(request), request.params.id),
    }),
  );

  app.delete(
    "/bots/:id/commands/:commandId",
    {
      schema: {
        summary: "Delete a slash command",
        operationId: "deleteSlashCommand",
        tags,
        params: botCommandParams,
        response: { 204: empty("Deleted") },
        errors: [404],
      },
    },
    async (request, reply) => {
      await outgoing.removeCommand(caller(request), request.params.id, request.params.commandId);
      reply.code(204);
    },
  );

  app.get(
    "/conversations/:id/commands",
    {
      schema: {
        summary: "List the slash commands a member may run in a conversation",
        description: "Those of the bots that are members of it.",
        operationId: "listConversationCommands",
        tags,
        params: idParams,
        response: { 200: availableCommandsResponse },
        errors: [404],
      },
    },
    async (request) => ({
      commands: await outgoing.available(caller(request).user, request.params.id),
    }),
  );

  app.post(
    "/conversations/:id/commands",
    {
      schema: {
        summary: "Run a slash command",
        description:
          "Sends `/name text` to the command's bot and answers with what it said: shown to the caller alone (`ephemeral`) or posted to the conversation as the bot (`conversation`, with the `message`). A bot that does not answer within 3 seconds, or answers wrongly, gives `outcome: no_answer` with a notice.",
        operationId: "runSlashCommand",
        tags,
        params: idParams,
        body: runCommandBody,
        response: { 200: runCommandResponse },
        errors: [404],
      },
    },
    async (request) => outgoing.run(caller(request).user, request.params.id, request.body),
  );
}
