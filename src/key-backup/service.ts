/**
 * The key backup of end-to-end encryption (docs/E2EE.md, "History on a new device"): a
 * person's backup key, wrapped on their device under their passphrase, and the encrypted
 * chunks of history their devices upload. The server holds ciphertext and sizes only,
 * checks the shapes and keeps each person within the quotas. People only: bots have no
 * key backup (their tokens cannot reach these routes, and a bot is refused here too).
 */
import { createHash } from "node:crypto";
import {
  type ChunksQuery,
  type ChunksResponse,
  type ChunkView,
  KEY_BACKUP_BYTES_MAX,
  KEY_BACKUP_CHUNK_MAX_BYTES,
  KEY_BACKUP_CHUNKS_MAX,
  type KeyBackupView,
  type PutKeyBackupBody,
} from "@private-chat/protocol/key-backup";
import { AppError } from "../errors.js";
import type { ChunkTotals, KeyBackup } from "../storage/key-backups.js";
import type { Store } from "../storage/store.js";
import type { User } from "../storage/users.js";

/** AES-256-GCM's nonce and tag: the shortest ciphertext there is. */
export const CHUNK_MIN_BYTES = 12 + 16;

/** What one person may keep in chunks (the protocol's; a test gives smaller ones). */
export interface KeyBackupLimits {
  chunksMax: number;
  bytesMax: number;
}

/**
 * What `PUT /api/v1/key-backup` requires of the backup there: nothing (set or replace),
 * `absent` (If-None-Match: *), or `match` (If-Match: one of `versions`, or any with "*").
 */
export type PutCondition =
  | { kind: "none" }
  | { kind: "absent" }
  | { kind: "match"; versions: readonly string[] | "*" };

/**
 * A wrapping's version: a hash of the wrapped key. Every wrapping has a fresh salt and
 * nonce, so two wrappings (even of one passphrase) never share one, and no column is
 * needed to count them.
 */
export function versionOf(wrappedKey: string): string {
  return createHash("sha256").update(wrappedKey).digest("base64url").slice(0, 22);
}

function view(backup: KeyBackup, totals: ChunkTotals): KeyBackupView {
  return {
    kdf: {
      // The one algorithm the protocol knows, and so the only one ever stored.
      algorithm: "argon2id",
      memory_kib: backup.kdf.memoryKib,
      iterations: backup.kdf.iterations,
      parallelism: backup.kdf.parallelism,
      salt: backup.kdf.salt,
    },
    wrapped_key: backup.wrappedKey,
    version: versionOf(backup.wrappedKey),
    created_at: backup.createdAt,
    updated_at: backup.updatedAt,
    chunks: totals.chunks,
    bytes: totals.bytes,
  };
}

/**
 * The bytes of base64url text, refused unless `min`..`max` long and in the one spelling
 * that encodes them (no stray bits in the last character), so that one value has one form.
 */
function decoded(text: string, field: string, min: number, max: number): number {
  const bytes = Buffer.from(text, "base64url");
  const length = bytes.length;
  const canonical = bytes.toString("base64url") === text;
  if (!canonical || length < min || length > max) {
    const size = min === max ? `${min} bytes` : `${min} to ${max} bytes`;
    throw new AppError("invalid_request", `${field} must be ${size} in base64url`, {
      field,
      reason: canonical ? "size" : "not canonical base64url",
    });
  }
  return length;
}

const noBackup = () => new AppError("not_found", "no key backup: set one up first");
const noChunk = () => new AppError("not_found", "chunk not found");
const exists = () =>
  new AppError(
    "precondition_failed",
    "a key backup exists already: restore it with its passphrase, or remove it first",
  );

export class KeyBackupService {
  private readonly limits: KeyBackupLimits;

  constructor(
    private readonly store: Store,
    limits: Partial<KeyBackupLimits> = {},
  ) {
    this.limits = { chunksMax: KEY_BACKUP_CHUNKS_MAX, bytesMax: KEY_BACKUP_BYTES_MAX, ...limits };
  }

  private person(user: User): void {
    if (user.isBot) throw new AppError("forbidden", "bots have no key backup");
  }

  async get(user: User): Promise<KeyBackupView> {
    this.person(user);
    const backup = await this.store.keyBackups.of(user.id);
    if (!backup) throw noBackup();
    return view(backup, await this.store.keyBackups.totals(user.id));
  }

  /**
   * Sets the wrapped key or replaces it (a new passphrase: the chunks stay), as `condition`
   * allows: creating only when there is none, or replacing only the version read. The
   * check and the write are one statement, inside the person's lock.
   */
  async put(
    user: User,
    body: PutKeyBackupBody,
    condition: PutCondition = { kind: "none" },
  ): Promise<{ view: KeyBackupView; created: boolean }> {
    this.person(user);
    decoded(body.kdf.salt, "kdf.salt", 16, 64);
    decoded(body.wrapped_key, "wrapped_key", 60, 60);
    const now = Date.now();
    return this.store.transaction(async (tx) => {
      await tx.keyBackups.lockOwner(user.id);
      const existing = await tx.keyBackups.of(user.id);
      const backup: KeyBackup = {
        userId: user.id,
        kdf: {
          algorithm: body.kdf.algorithm,
          memoryKib: body.kdf.memory_kib,
          iterations: body.kdf.iterations,
          parallelism: body.kdf.parallelism,
          salt: body.kdf.salt,
        },
        wrappedKey: body.wrapped_key,
        createdAt: existing?.createdAt ?? now,
        updatedAt: now,
      };
      if (condition.kind === "absent") {
        if (existing || !(await tx.keyBackups.create(backup))) throw exists();
      } else if (condition.kind === "match") {
        const current = existing && versionOf(existing.wrappedKey);
        const matches =
          current !== undefined &&
          (condition.versions === "*" || condition.versions.includes(current));
        if (!existing || !matches || !(await tx.keyBackups.replace(backup, existing.wrappedKey)))
          throw new AppError(
            "precondition_failed",
            existing
              ? "the key backup changed since it was read: read it again"
              : "there is no key backup to replace: it was removed",
            current === undefined ? undefined : { version: current },
          );
      } else {
        await tx.keyBackups.put(backup);
      }
      return {
        view: view(backup, await tx.keyBackups.totals(user.id)),
        created: existing === undefined,
      };
    });
  }

  /** Removes the wrapped key and every chunk, their ciphertext with them. */
  async remove(user: User): Promise<void> {
    this.person(user);
    await this.store.transaction(async (tx) => {
      // In turn with chunk uploads, which would otherwise find their backup gone midway.
      await tx.keyBackups.lockOwner(user.id);
      if (!(await tx.keyBackups.remove(user.id))) throw noBackup();
    });
  }

  /** Creates or replaces a chunk, within the person's quotas (a replacement counts anew). */
  async putChunk(user: User, id: string, data: string): Promise<void> {
    this.person(user);
    const bytes = decoded(data, "data", CHUNK_MIN_BYTES, KEY_BACKUP_CHUNK_MAX_BYTES);
    const { chunksMax, bytesMax } = this.limits;
    await this.store.transaction(async (tx) => {
      // First, so that two uploads of one person take turns and cannot pass a quota together.
      await tx.keyBackups.lockOwner(user.id);
      if (!(await tx.keyBackups.of(user.id))) throw noBackup();
      const replaced = await tx.keyBackups.chunkBytes(user.id, id);
      const totals = await tx.keyBackups.totals(user.id);
      if (replaced === undefined && totals.chunks + 1 > chunksMax) {
        throw new AppError(
          "quota_exceeded",
          `a key backup holds at most ${chunksMax} chunks; it has ${totals.chunks}: remove some first`,
        );
      }
      const after = totals.bytes - (replaced ?? 0) + bytes;
      if (after > bytesMax) {
        throw new AppError(
          "quota_exceeded",
          `a key backup's chunks take at most ${bytesMax} bytes; this one would make ${after}: remove some first`,
        );
      }
      await tx.keyBackups.putChunk(user.id, id, data, bytes, Date.now());
    });
  }

  async chunk(user: User, id: string): Promise<ChunkView> {
    this.person(user);
    const chunk = await this.store.keyBackups.chunk(user.id, id);
    if (!chunk) throw noChunk();
    return { id: chunk.id, data: chunk.data, updated_at: chunk.updatedAt };
  }

  /** A page of the person's chunk ids in byte order; `next` when there are more. */
  async chunks(user: User, query: ChunksQuery): Promise<ChunksResponse> {
    this.person(user);
    if (!(await this.store.keyBackups.of(user.id))) throw noBackup();
    const rows = await this.store.keyBackups.list(user.id, query.after, query.limit + 1);
    const page = rows.slice(0, query.limit);
    const last = page.at(-1);
    return {
      chunks: page.map((c) => ({ id: c.id, bytes: c.bytes, updated_at: c.updatedAt })),
      ...(rows.length > query.limit && last ? { next: last.id } : {}),
    };
  }

  async removeChunk(user: User, id: string): Promise<void> {
    this.person(user);
    if (!(await this.store.keyBackups.removeChunk(user.id, id))) throw noChunk();
  }
}
