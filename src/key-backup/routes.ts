/**
 * /api/v1/key-backup: the caller's key backup of end-to-end encryption (docs/E2EE.md):
 * their wrapped backup key and the encrypted chunks of history under it. Signed-in people
 * only (see auth/route-scopes.ts): no access token reaches these.
 */
import {
  chunkParams,
  chunksQuery,
  chunksResponse,
  chunkView,
  KEY_BACKUP_BYTES_MAX,
  KEY_BACKUP_CHUNK_MAX_BYTES,
  KEY_BACKUP_CHUNKS_MAX,
  keyBackupView,
  type PutKeyBackupHeaders,
  putChunkBody,
  putKeyBackupBody,
  putKeyBackupHeaders,
} from "@private-chat/protocol/key-backup";
import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { caller } from "../auth/authenticate.js";
import { AppError } from "../errors.js";
import { empty } from "../http/openapi.js";
import { CHUNK_MIN_BYTES, type KeyBackupService, type PutCondition } from "./service.js";

const MIB = 1024 * 1024;
/** One strong entity tag (RFC 9110): a weak one (W/"...") never matches If-Match. */
const ENTITY_TAG = /^(W\/)?"([\x21\x23-\x7e]*)"$/;

const badHeader = (header: string, why: string) =>
  new AppError("invalid_request", `${header} ${why}`, { field: header });

/** The condition of a PUT from its If-Match and If-None-Match headers. */
export function putCondition(headers: PutKeyBackupHeaders): PutCondition {
  const ifMatch = headers["if-match"]?.trim();
  const ifNoneMatch = headers["if-none-match"]?.trim();
  if (ifMatch !== undefined && ifNoneMatch !== undefined)
    throw badHeader("If-Match", "and If-None-Match cannot go together here");
  if (ifNoneMatch !== undefined) {
    // Creation only: a version there would ask to replace anything else, which is If-Match.
    if (ifNoneMatch !== "*") throw badHeader("If-None-Match", 'takes only "*" here');
    return { kind: "absent" };
  }
  if (ifMatch === undefined) return { kind: "none" };
  if (ifMatch === "*") return { kind: "match", versions: "*" };
  const versions: string[] = [];
  for (const tag of ifMatch.split(",")) {
    const parsed = ENTITY_TAG.exec(tag.trim());
    if (!parsed) throw badHeader("If-Match", 'takes "*" or quoted versions');
    if (parsed[1] === undefined) versions.push(parsed[2] as string);
  }
  return { kind: "match", versions };
}

/** The ETag of a backup's version: the same value as its `version`, quoted. */
const etagOf = (view: { version: string }) => `"${view.version}"`;

export function registerKeyBackupRoutes(root: FastifyInstance, backups: KeyBackupService): void {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const tags = ["key-backup"];

  app.put(
    "/key-backup",
    {
      schema: {
        summary: "Set or replace the caller's wrapped backup key",
        description:
          "The backup key wrapped with AES-256-GCM (nonce, key, tag: 60 bytes) under a key derived on the device from the recovery passphrase with argon2id, and that derivation's cost and salt (16 to 64 bytes). 201 when it created the backup, 200 when it replaced one; replacing (a new passphrase over the same key) keeps the chunks. `If-None-Match: *` creates only: 412 `precondition_failed` when the caller has a backup already. `If-Match: \"<version>\"` (the `version` or `ETag` read) replaces only that version: 412 `precondition_failed` when it changed or was removed meanwhile. The answer's `ETag` is the new version, quoted.",
        operationId: "putKeyBackup",
        tags,
        headers: putKeyBackupHeaders,
        body: putKeyBackupBody,
        response: { 200: keyBackupView, 201: keyBackupView },
        errors: [412],
      },
    },
    async (request, reply) => {
      const condition = putCondition(request.headers);
      const { view, created } = await backups.put(caller(request).user, request.body, condition);
      reply.code(created ? 201 : 200).header("etag", etagOf(view));
      return view;
    },
  );

  app.get(
    "/key-backup",
    {
      schema: {
        summary: "The caller's wrapped backup key, with how many chunks and bytes it holds",
        description:
          "With its `version`, also sent as the `ETag` (quoted): a replacement sends it back as `If-Match`.",
        operationId: "getKeyBackup",
        tags,
        response: { 200: keyBackupView },
        errors: [404],
      },
    },
    async (request, reply) => {
      const view = await backups.get(caller(request).user);
      reply.header("etag", etagOf(view));
      return view;
    },
  );

  app.delete(
    "/key-backup",
    {
      schema: {
        summary: "Remove the caller's key backup: the wrapped key and every chunk",
        operationId: "deleteKeyBackup",
        tags,
        response: { 204: empty("Removed") },
        errors: [404],
      },
    },
    async (request, reply) => {
      await backups.remove(caller(request).user);
      reply.code(204);
    },
  );

  app.get(
    "/key-backup/chunks",
    {
      schema: {
        summary: "A page of the caller's chunk ids, in byte order",
        operationId: "listKeyBackupChunks",
        tags,
        querystring: chunksQuery,
        response: { 200: chunksResponse },
        errors: [404],
      },
    },
    async (request) => backups.chunks(caller(request).user, request.query),
  );

  app.put(
    "/key-backup/chunks/:id",
    {
      schema: {
        summary: "Create or replace one encrypted chunk of the caller's history",
        description: `The chunk's AES-256-GCM ciphertext, nonce first: ${CHUNK_MIN_BYTES} bytes to ${KEY_BACKUP_CHUNK_MAX_BYTES / 1024} KiB, in canonical base64url. A person keeps at most ${KEY_BACKUP_CHUNKS_MAX} chunks of ${KEY_BACKUP_BYTES_MAX / MIB} MiB in all (a replacement counts its new size instead of the old): 413 \`quota_exceeded\` past either. 404 when the caller has no key backup.`,
        operationId: "putKeyBackupChunk",
        tags,
        params: chunkParams,
        body: putChunkBody,
        response: { 204: empty("Stored") },
        errors: [404],
      },
    },
    async (request, reply) => {
      await backups.putChunk(caller(request).user, request.params.id, request.body.data);
      reply.code(204);
    },
  );

  app.get(
    "/key-backup/chunks/:id",
    {
      schema: {
        summary: "One of the caller's chunks, with its ciphertext",
        operationId: "getKeyBackupChunk",
        tags,
        params: chunkParams,
        response: { 200: chunkView },
        errors: [404],
      },
    },
    async (request) => backups.chunk(caller(request).user, request.params.id),
  );

  app.delete(
    "/key-backup/chunks/:id",
    {
      schema: {
        summary: "Remove one of the caller's chunks and its ciphertext",
        operationId: "deleteKeyBackupChunk",
        tags,
        params: chunkParams,
        response: { 204: empty("Removed") },
        errors: [404],
      },
    },
    async (request, reply) => {
      await backups.removeChunk(caller(request).user, request.params.id);
      reply.code(204);
    },
  );
}
