/**
 * Web Push endpoints: the server's VAPID key and the caller's push subscriptions.
 */
import {
  pushKeyResponse,
  pushSubscriptionBody,
  pushSubscriptionsResponse,
  pushSubscriptionView,
} from "@private-chat/protocol/push";
import { idParams } from "@private-chat/protocol/rest";
import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { caller } from "../auth/authenticate.js";
import { empty } from "../http/openapi.js";
import type { PushService } from "./service.js";

export function registerPushRoutes(root: FastifyInstance, push: PushService): void {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const tags = ["push"];

  app.get(
    "/push/key",
    {
      schema: {
        summary: "The VAPID public key to subscribe with",
        operationId: "getPushKey",
        tags,
        response: { 200: pushKeyResponse },
        errors: [404],
      },
    },
    async () => ({ public_key: push.publicKey() }),
  );

  app.post(
    "/push/subscriptions",
    {
      schema: {
        summary: "Register this browser's push subscription for this session",
        operationId: "createPushSubscription",
        tags,
        body: pushSubscriptionBody,
        response: { 201: pushSubscriptionView },
        errors: [404, 422],
      },
    },
    async (request, reply) => {
      const created = await push.subscribe(caller(request), request.body);
      reply.code(201);
      return created;
    },
  );

  app.get(
    "/push/subscriptions",
    {
      schema: {
        summary: "The caller's push subscriptions",
        operationId: "listPushSubscriptions",
        tags,
        response: { 200: pushSubscriptionsResponse },
      },
    },
    async (request) => ({ subscriptions: await push.list(caller(request).user.id) }),
  );

  app.post(
    "/push/subscriptions/:id/test",
    {
      schema: {
        summary: "Send a test notification to one of the caller's push subscriptions",
        operationId: "testPushSubscription",
        tags,
        params: idParams,
        response: { 204: empty("Queued") },
        errors: [404, 429],
      },
    },
    async (request, reply) => {
      await push.sendTest(caller(request).user.id, request.params.id);
      reply.code(204);
    },
  );

  app.delete(
    "/push/subscriptions/:id",
    {
      schema: {
        summary: "Remove one of the caller's push subscriptions",
        operationId: "deletePushSubscription",
        tags,
        params: idParams,
        response: { 204: empty("Removed") },
        errors: [404],
      },
    },
    async (request, reply) => {
      await push.remove(caller(request).user.id, request.params.id);
      reply.code(204);
    },
  );
}
