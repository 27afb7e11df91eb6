/**
 * The layout of a backup folder holding uploads. Each backup is one small sealed file,
 * its manifest (the `--out` name); the database image and every uploaded file are sealed
 * blobs beside it, named by the SHA-256 of their clear bytes:
 *
 *   DIR/chat_20261204_020000.backup      sealed manifest (passphrase or recipients)
 *   DIR/blob-key.age                     passphrase mode: the folder's blob identity
 *   DIR/blobs/<tag>/db/<sha256>.age      database images
 *   DIR/blobs/<tag>/ab/<blob name>.age   uploaded files (ab: the name's first two digits)
 *
 * Blobs never change once renamed into place, so a later backup that needs the same
 * bytes names the existing blob in its manifest instead of copying it again, and deleting
 * a manifest never breaks another one. `<tag>` names the key blobs are sealed to, so a
 * folder used with a new key starts a new set of blobs rather than mixing keys.
 */
import { createHash } from "node:crypto";
import { join } from "node:path";
import { z } from "zod";
import { BackupError } from "./backup-error.js";

export const MANIFEST_FORMAT = "chat-server-backup";
export const MANIFEST_VERSION = 2;
/** A manifest lists one line per file; this allows millions while refusing a runaway. */
export const MANIFEST_LIMIT_BYTES = 256 * 1024 * 1024;
export const BLOB_KEY_FILE = "blob-key.age";

const SHA256 = /^[0-9a-f]{64}$/;
const TAG = /^[0-9a-f]{16}$/;
const BLOB_NAME = /^[0-9a-f]{64}(?:-[0-9a-f]{16})?$/;

const blobEntry = z.object({
  name: z.string().regex(BLOB_NAME),
  sha256: z.string().regex(SHA256),
  size: z.number().int().nonnegative(),
});

export const manifestSchema = z.object({
  format: z.literal(MANIFEST_FORMAT),
  version: z.literal(MANIFEST_VERSION),
  createdAt: z.string(),
  schemaVersion: z.string(),
  tag: z.string().regex(TAG),
  /** Passphrase mode: the identity the blobs are sealed to (recipient mode: absent). */
  blobIdentity: z.string().startsWith("AGE-SECRET-KEY-1").optional(),
  database: z.object({ sha256: z.string().regex(SHA256), size: z.number().int().positive() }),
  /** null: taken with --no-uploads (or uploads in S3), so restore leaves files alone. */
  uploads: z.array(blobEntry).nullable(),
});

export type Manifest = z.infer<typeof manifestSchema>;
export type BlobEntry = z.infer<typeof blobEntry>;

/** The tag of the key blobs are sealed to: 16 hex digits of a hash of its recipients. */
export function tagOf(recipients: readonly string[]): string {
  return createHash("sha256")
    .update([...recipients].sort().join("\n"))
    .digest("hex")
    .slice(0, 16);
}

export function databaseBlobPath(dir: string, tag: string, sha256: string): string {
  return join(dir, "blobs", tag, "db", `${sha256}.age`);
}

export function uploadBlobPath(dir: string, tag: string, name: string): string {
  return join(dir, "blobs", tag, name.slice(0, 2), `${name}.age`);
}

export function parseManifest(clear: Buffer, label: string): Manifest {
  let json: unknown;
  try {
    json = JSON.parse(clear.toString("utf8"));
  } catch {
    throw new BackupError(`${label} decrypts, but its manifest is not JSON`);
  }
  const parsed = manifestSchema.safeParse(json);
  if (!parsed.success) {
    const version = (json as { version?: unknown } | null)?.version;
    if (typeof version === "number" && version > MANIFEST_VERSION) {
      throw new BackupError(
        `${label} uses backup format ${version}; this chat-server reads format ${MANIFEST_VERSION}: use a newer chat-server`,
      );
    }
    throw new BackupError(`${label} decrypts, but its manifest is malformed`);
  }
  return parsed.data;
}
