/**
 * Threads over REST: a thread's replies, following it, the read position, and the
 * caller's followed threads. Replies are sent with the message routes (`thread_id`).
 */

import {
  followResponse,
  threadQuery,
  threadReadBody,
  threadReadResponse,
  threadResponse,
  threadsQuery,
  threadsResponse,
} from "@private-chat/protocol/chat";
import { idParams } from "@private-chat/protocol/rest";
import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { caller } from "../auth/authenticate.js";
import type { ThreadService } from "./threads.js";

const ROOT =
  "Given a reply, the same holds for the thread it is in. A message the caller may not see answers 404, like one that does not exist.";

export function registerThreadRoutes(root: FastifyInstance, threads: ThreadService): void {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const tags = ["threads"];

  app.get(
    "/messages/:id/thread",
    {
      schema: {
        summary: "Page through a thread's replies",
        description: `The replies in the thread of this message, oldest first, inside the caller's periods of membership; \`after\` and \`before\` are places in the thread (\`thread_seq\`), and with neither the newest page comes. A message without replies has an empty thread. ${ROOT}`,
        operationId: "listThreadReplies",
        tags,
        params: idParams,
        querystring: threadQuery,
        response: { 200: threadResponse },
        errors: [404],
      },
    },
    async (request) => threads.page(caller(request).user, request.params.id, request.query),
  );

  app.put(
    "/messages/:id/follow",
    {
      schema: {
        summary: "Follow a thread",
        description: `Its replies then count in the caller's threads. Replying or being mentioned in a thread follows it too. ${ROOT}`,
        operationId: "followThread",
        tags,
        params: idParams,
        response: { 200: followResponse },
        errors: [404],
      },
    },
    async (request) => ({
      following: await threads.setFollowing(caller(request).user, request.params.id, true),
    }),
  );

  app.delete(
    "/messages/:id/follow",
    {
      schema: {
        summary: "Stop following a thread",
        description: `It leaves the caller's threads until they reply, are mentioned or follow it again. ${ROOT}`,
        operationId: "unfollowThread",
        tags,
        params: idParams,
        response: { 200: followResponse },
        errors: [404],
      },
    },
    async (request) => ({
      following: await threads.setFollowing(caller(request).user, request.params.id, false),
    }),
  );

  app.post(
    "/messages/:id/thread/read",
    {
      schema: {
        summary: "Mark a thread read",
        description: `Moves the caller's read position in the thread forward to \`thread_seq\` (never back) and answers where it stands. ${ROOT}`,
        operationId: "markThreadRead",
        tags,
        params: idParams,
        body: threadReadBody,
        response: { 200: threadReadResponse },
        errors: [404],
      },
    },
    async (request) => ({
      read_thread_seq: await threads.markRead(
        caller(request).user,
        request.params.id,
        request.body.thread_seq,
      ),
    }),
  );

  app.get(
    "/threads",
    {
      schema: {
        summary: "The caller's followed threads",
        description:
          "Threads the caller follows in conversations they belong to, the latest reply first, each with its root (and the summary under it) and the replies from others not yet read.",
        operationId: "listThreads",
        tags,
        querystring: threadsQuery,
        response: { 200: threadsResponse },
        errors: [400],
      },
    },
    async (request) =>
      threads.followed(caller(request).user, request.query.limit, request.query.cursor),
  );
}
