/**
 * The key backup of end-to-end encryption (docs/E2EE.md, "History on a new device"): a
 * person's random backup key, stored on the server only wrapped under a key derived from
 * their recovery passphrase with argon2id, and the encrypted chunks of history their
 * devices upload under it. The server holds ciphertext and sizes only: a chunk's id is
 * derived on the device from the backup key, so it does not name the conversation.
 * Binary values travel as base64url without padding.
 */
import { z } from "zod/mini";

/** The most ciphertext one chunk holds, in bytes (inside the server's default body limit). */
export const KEY_BACKUP_CHUNK_MAX_BYTES = 512 * 1024;
/** Chunks one person may keep. */
export const KEY_BACKUP_CHUNKS_MAX = 20_000;
/** Ciphertext one person may keep in chunks, in bytes. */
export const KEY_BACKUP_BYTES_MAX = 512 * 1024 * 1024;
/** Chunk ids a page of `GET /api/v1/key-backup/chunks` lists at most. */
export const KEY_BACKUP_PAGE_MAX = 1000;
/** The shortest recovery passphrase the apps accept. */
export const PASSPHRASE_MIN_CHARS = 12;

const b64url = (minChars: number, maxChars: number) =>
  z
    .string()
    .check(
      z.minLength(minChars),
      z.maxLength(maxChars),
      z.regex(/^[A-Za-z0-9_-]*$/, "base64url text"),
    );

/** A chunk's id: 16 to 64 base64url characters, chosen by the device. */
export const chunkId = b64url(16, 64);

/** argon2id's cost, as the device that wrapped the key chose it (the server bounds it). */
export const backupKdf = z.strictObject({
  algorithm: z.literal("argon2id"),
  /** Memory in KiB: from OWASP's 19 MiB up to 1 GiB. */
  memory_kib: z.int().check(z.gte(19_456), z.lte(1_048_576)),
  iterations: z.int().check(z.gte(2), z.lte(16)),
  parallelism: z.int().check(z.gte(1), z.lte(4)),
  /** 16 to 64 random bytes. */
  salt: b64url(22, 86),
});
export type BackupKdf = z.infer<typeof backupKdf>;

/** `PUT /api/v1/key-backup`: the backup key wrapped (AES-256-GCM, nonce first) and how. */
export const putKeyBackupBody = z.strictObject({
  kdf: backupKdf,
  /** 12-byte nonce, 32-byte key, 16-byte tag: 60 bytes are 80 characters. */
  wrapped_key: b64url(80, 80),
});
export type PutKeyBackupBody = z.infer<typeof putKeyBackupBody>;

/**
 * The conditions of `PUT /api/v1/key-backup` (RFC 9110): `If-None-Match: *` creates only
 * when the person has no backup; `If-Match: "<version>"` replaces only that version.
 * Either refused is 412 `precondition_failed`. Without them the PUT sets or replaces.
 */
export const putKeyBackupHeaders = z.object({
  "if-match": z.optional(z.string().check(z.maxLength(200))),
  "if-none-match": z.optional(z.string().check(z.maxLength(200))),
});
export type PutKeyBackupHeaders = z.infer<typeof putKeyBackupHeaders>;

/**
 * `GET /api/v1/key-backup`. `version` names this wrapping of the key (also sent as the
 * `ETag`, quoted): a replacement sends it back as `If-Match`, so that it only replaces
 * what it read (docs/API.md, "Key backup").
 */
export const keyBackupView = z.object({
  kdf: backupKdf,
  wrapped_key: z.string(),
  version: z.string(),
  created_at: z.number(),
  updated_at: z.number(),
  chunks: z.number(),
  bytes: z.number(),
});
export type KeyBackupView = z.infer<typeof keyBackupView>;

/** `PUT /api/v1/key-backup/chunks/{id}`: AES-256-GCM ciphertext, nonce first. */
export const putChunkBody = z.strictObject({
  data: b64url(38, Math.ceil((KEY_BACKUP_CHUNK_MAX_BYTES * 4) / 3)),
});
export type PutChunkBody = z.infer<typeof putChunkBody>;

export const chunkParams = z.strictObject({ id: chunkId });

export const chunkView = z.object({
  id: z.string(),
  data: z.string(),
  updated_at: z.number(),
});
export type ChunkView = z.infer<typeof chunkView>;

/** `GET /api/v1/key-backup/chunks?after=&limit=`: ids in byte order, a page at a time. */
export const chunksQuery = z.strictObject({
  after: z.optional(chunkId),
  limit: z._default(
    z.coerce.number().check(z.int(), z.minimum(1), z.maximum(KEY_BACKUP_PAGE_MAX)),
    KEY_BACKUP_PAGE_MAX,
  ),
});
export type ChunksQuery = z.infer<typeof chunksQuery>;

export const chunksResponse = z.object({
  chunks: z.array(z.object({ id: z.string(), bytes: z.number(), updated_at: z.number() })),
  /** The `after` of the next page; absent on the last. */
  next: z.optional(z.string()),
});
export type ChunksResponse = z.infer<typeof chunksResponse>;
