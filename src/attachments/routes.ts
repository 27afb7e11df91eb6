/**
 * Attachments over REST: streaming multipart upload into a conversation, download with
 * ranges, and the thumbnail of an image.
 */
import type { IncomingMessage } from "node:http";
import multipart from "@fastify/multipart";
import {
  attachmentView,
  ENCRYPTED_FILE_HEADER,
  isInlineImage,
} from "@private-chat/protocol/attachments";
import { idParams } from "@private-chat/protocol/rest";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { caller } from "../auth/authenticate.js";
import { recheckCaller } from "../auth/recheck.js";
import { AppError } from "../errors.js";
import { bytes, empty } from "../http/openapi.js";
import { parseRange } from "./range.js";
import { type AttachmentService, type Download, malformedForm } from "./service.js";

/** What a download answers: the bytes, a range of them, or "unchanged". */
function downloadResponses(what: string, mediaType: string) {
  return {
    200: bytes(what, mediaType),
    206: bytes(`The requested byte range of ${what.toLowerCase()}`, mediaType),
    304: empty("Not modified: the ETag sent in If-None-Match still matches"),
  };
}

/** `attachment` with a plain-ASCII fallback name and the exact UTF-8 one (RFC 6266). */
export function contentDisposition(type: "inline" | "attachment", name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]/g, "_").replace(/["\\]/g, "_");
  const encoded = encodeURIComponent(name).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `${type}; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}

async function sendBlob(
  service: AttachmentService,
  request: FastifyRequest,
  reply: FastifyReply,
  download: Download,
): Promise<FastifyReply> {
  const size = await service.blobSize(download.key);
  if (size === undefined) {
    request.log.error({ key: download.key }, "attachment blob missing");
    throw new AppError("not_found", "attachment not found");
  }
  const range = parseRange(request.headers.range, size);
  if (range.kind === "unsatisfiable") {
    reply.header("content-range", `bytes */${size}`);
    throw new AppError("range_not_satisfiable", `the file has ${size} bytes`);
  }
  const etag = `"${download.key}"`;
  const disposition = isInlineImage(download.contentType) ? "inline" : "attachment";
  reply
    .header("x-content-type-options", "nosniff")
    .header("content-disposition", contentDisposition(disposition, download.name))
    // The bytes behind an id never change: caching is safe, but only in the user's own cache.
    .header("cache-control", "private, max-age=31536000, immutable")
    .header("etag", etag)
    .header("accept-ranges", "bytes")
    // Even opened directly, a downloaded file may not run script or load anything.
    .header("content-security-policy", "default-src 'none'; sandbox");
  if (download.encrypted) reply.header(ENCRYPTED_FILE_HEADER, "true");
  if (request.headers["if-none-match"] === etag) return reply.code(304).send();
  const part = range.kind === "partial" ? range.range : undefined;
  const stream = await service.blob(download.key, part);
  if (!stream) throw new AppError("not_found", "attachment not found");
  reply.header("content-type", download.contentType);
  if (part) {
    reply
      .code(206)
      .header("content-range", `bytes ${part.start}-${part.end}/${size}`)
      .header("content-length", part.end - part.start + 1);
  } else {
    reply.header("content-length", size);
  }
  return reply.send(stream);
}

/** How long after the whole body arrived a file part may still be looked for. */
const PART_GRACE_MS = 1000;

/**
 * A part header the parser cannot end (a line break inside a file name, say) makes it
 * wait for the rest of the headers forever, and the request would hang until the
 * server's timeout cut it with no answer. Once the body has arrived with no file part
 * found, the form is malformed.
 */
function noPartAfterEnd(raw: IncomingMessage): Promise<never> {
  return new Promise((_, reject) => {
    const refuse = () => setTimeout(() => reject(malformedForm()), PART_GRACE_MS).unref();
    if (raw.readableEnded) refuse();
    else raw.once("end", refuse);
  });
}

export async function registerAttachmentRoutes(
  root: FastifyInstance,
  service: AttachmentService,
): Promise<void> {
  await root.register(async (scope) => {
    // Parts are read as streams, never buffered; limits are set per request below.
    await scope.register(multipart, { throwFileSizeLimit: false });
    const app = scope.withTypeProvider<ZodTypeProvider>();
    const tags = ["attachments"];

    app.post(
      "/conversations/:id/attachments",
      {
        schema: {
          summary: "Upload a file to a conversation",
          description: "Send it in a message with attachment_ids.",
          operationId: "uploadAttachment",
          tags,
          params: idParams,
          response: { 201: attachmentView },
          errors: [404, 422],
        },
        config: { streamingUpload: true },
      },
      async (request, reply) => {
        const user = caller(request).user;
        if (!request.isMultipart()) {
          throw new AppError(
            "unsupported_media_type",
            "send the file as multipart/form-data with one file part",
          );
        }
        // Membership and quota are checked before a single byte of the file is read.
        const allowance = await service.uploadAllowance(user, request.params.id);
        const filePart = request
          .file({ limits: { fileSize: allowance, files: 1, fields: 4, parts: 5 } })
          .catch((err: unknown) => {
            // The plugin's own refusals carry a 4xx status; the parser's are plain errors.
            const status = (err as { statusCode?: number }).statusCode;
            throw err instanceof AppError || (status !== undefined && status < 500)
              ? err
              : malformedForm();
          });
        const part = await Promise.race([filePart, noPartAfterEnd(request.raw)]);
        if (!part) throw new AppError("invalid_request", "the form has no file part");
        const view = await service.upload(user, request.params.id, allowance, {
          source: part.file,
          filename: part.filename,
          // The file arrives after the door's check: the caller is checked again when it commits.
          authorise: (tx) => recheckCaller(tx, caller(request)),
        });
        reply.code(201);
        return view;
      },
    );

    app.get(
      "/attachments/:id",
      {
        schema: {
          summary: "Download a file (byte ranges allowed)",
          operationId: "downloadAttachment",
          tags,
          params: idParams,
          // Served as the type sniffed from the bytes at upload, whatever it is.
          response: downloadResponses("The file", "*/*"),
          errors: [404, 416],
        },
      },
      async (request, reply) =>
        sendBlob(
          service,
          request,
          reply,
          await service.open(caller(request).user, request.params.id, "file"),
        ),
    );

    app.get(
      "/attachments/:id/thumbnail",
      {
        schema: {
          summary: "A small preview of an image",
          operationId: "getAttachmentThumbnail",
          tags,
          params: idParams,
          response: downloadResponses("The thumbnail", "image/webp"),
          errors: [404, 416],
        },
      },
      async (request, reply) =>
        sendBlob(
          service,
          request,
          reply,
          await service.open(caller(request).user, request.params.id, "thumbnail"),
        ),
    );
  });
}
