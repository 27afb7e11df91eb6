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
  putChunkBody,
  putKeyBackupBody,
} from "@private-chat/protocol/key-backup";
import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { caller } from "../auth/authenticate.js";
import { empty } from "../http/openapi.js";
import { CHUNK_MIN_BYTES, type KeyBackupService } from "./service.js";

const MIB = 1024 * 1024;

export function registerKeyBackupRoutes(root: FastifyInstance, backups: KeyBackupService): void {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const tags = ["key-backup"];

  app.put(
    "/key-backup",
    {
      schema: {
        summary: "Set or replace the caller's wrapped backup key",
        description:
          "The backup key wrapped with AES-256-GCM (nonce, key, tag: 60 bytes) under a key derived on the device from the recovery passphrase with argon2id, and that derivation's cost and salt (16 to 64 bytes). Replacing it (a new passphrase over the same key) keeps the chunks. 201 when it created the backup.",
        operationId: "putKeyBackup",
        tags,
        body: putKeyBackupBody,
        response: { 200: keyBackupView, 201: keyBackupView },
      },
    },
    async (request, reply) => {
      const { view, created } = await backups.put(caller(request).user, request.body);
      reply.code(created ? 201 : 200);
      return view;
    },
  );

  app.get(
    "/key-backup",
    {
      schema: {
        summary: "The caller's wrapped backup key, with how many chunks and bytes it holds",
        operationId: "getKeyBackup",
        tags,
        response: { 200: keyBackupView },
        errors: [404],
      },
    },
    async (request) => backups.get(caller(request).user),
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
