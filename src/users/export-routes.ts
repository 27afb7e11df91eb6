/**
 * Data exports over REST: a person downloads their own data, an administrator one
 * conversation for a legal hold. Both answer a zip streamed as it is written, audited
 * before the first byte leaves, one at a time per caller.
 */
import { idParams } from "@private-chat/protocol/rest";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { actorOf } from "../admin/actors.js";
import { requireAdmin } from "../admin/routes.js";
import { contentDisposition } from "../attachments/routes.js";
import { caller } from "../auth/authenticate.js";
import type { ServerContext } from "../context.js";
import { notFound } from "../errors.js";
import { bytes } from "../http/openapi.js";
import {
  accountExportName,
  conversationExportName,
  DataExport,
  type ExportWriter,
} from "./export.js";
import { ExportArchive } from "./export-archive.js";
import { ExportSlots } from "./export-slots.js";

const zipResponse = { 200: bytes("The export: a zip file, see docs/API.md", "application/zip") };

interface StreamedExport {
  request: FastifyRequest;
  reply: FastifyReply;
  filename: string;
  /** Runs once the caller's slot is taken: checks, audits, and reads what comes first. */
  prepare: () => Promise<ExportWriter>;
}

export async function registerExportRoutes(
  root: FastifyInstance,
  ctx: Pick<ServerContext, "store" | "attachments">,
): Promise<void> {
  const slots = new ExportSlots();
  const exporter = new DataExport({
    store: ctx.store,
    blobs: ctx.attachments,
    warn: (details, message) => root.log.warn(details, message),
  });
  const { store } = ctx;

  const send = async ({ request, reply, filename, prepare }: StreamedExport) => {
    const release = slots.take(caller(request).user.id);
    let write: ExportWriter;
    try {
      write = await prepare();
    } catch (err) {
      release();
      throw err;
    }
    const abort = new AbortController();
    const archive = new ExportArchive(abort.signal, (err) =>
      request.log.error({ err }, "export failed part way; the download was cut short"),
    );
    // The slot is free once the last byte is handed over, or once the client has left;
    // "close" comes in both cases, only after "finish" when all was sent.
    reply.raw.once("finish", release);
    reply.raw.once("close", () => {
      abort.abort();
      release();
    });
    write(archive).then(
      () => archive.end(),
      (err: unknown) => archive.fail(err instanceof Error ? err : new Error(String(err))),
    );
    return reply
      .header("content-type", "application/zip")
      .header("content-disposition", contentDisposition("attachment", filename))
      .header("cache-control", "no-store")
      .header("x-content-type-options", "nosniff")
      .send(archive.output);
  };

  const app = root.withTypeProvider<ZodTypeProvider>();
  app.get(
    "/me/export",
    {
      // A HEAD would audit and read everything for nothing.
      exposeHeadRoute: false,
      schema: {
        summary: "Download my data as a zip",
        description:
          "Profile, sessions, notification settings, the conversations you are in, the messages you wrote and their files. One export at a time per user.",
        operationId: "exportMyData",
        tags: ["users"],
        response: zipResponse,
      },
    },
    async (request, reply) => {
      const { user, session } = caller(request);
      const now = Date.now();
      return send({
        request,
        reply,
        filename: accountExportName(user, now),
        prepare: async () => {
          await store.audit.append({
            actor: actorOf(user),
            action: "export.account",
            targetType: "user",
            targetId: user.id,
            details: { username: user.username },
            now,
          });
          return exporter.account(user, session.id);
        },
      });
    },
  );

  // The admin check as in src/admin/routes.ts: before any body is read, and again after.
  await root.register(async (scope) => {
    scope.addHook("preParsing", requireAdmin);
    scope.addHook("preHandler", requireAdmin);
    const admin = scope.withTypeProvider<ZodTypeProvider>();
    admin.get(
      "/admin/conversations/:id/export",
      {
        exposeHeadRoute: false,
        schema: {
          summary: "Export one conversation for a legal hold",
          description:
            "Every member's messages of the conversation and their files, as a zip. Administrators only; one export at a time per administrator.",
          operationId: "adminExportConversation",
          tags: ["admin"],
          params: idParams,
          response: zipResponse,
          errors: [404],
        },
      },
      async (request, reply) => {
        const { user } = caller(request);
        const now = Date.now();
        const id = request.params.id;
        return send({
          request,
          reply,
          filename: conversationExportName(id, now),
          prepare: async () => {
            const conversation = await store.conversations.byId(id);
            if (!conversation) throw notFound("conversation");
            await store.audit.append({
              actor: actorOf(user),
              action: "export.conversation",
              targetType: "conversation",
              targetId: conversation.id,
              details: { type: conversation.type, title: conversation.title },
              now,
            });
            return exporter.conversation(conversation, user);
          },
        });
      },
    );
  });
}
