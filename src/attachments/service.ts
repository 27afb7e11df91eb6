/**
 * Attachments: who may upload to and download from a conversation, turning an upload
 * into stored blobs and a row, and collecting the blobs of deleted messages.
 */

import { randomUUID } from "node:crypto";
import { createReadStream } from "node:fs";
import { basename } from "node:path";
import type { Readable } from "node:stream";
import { type AttachmentView, isInlineImage } from "@private-chat/protocol/attachments";
import { cleanName } from "@private-chat/protocol/names";
import { conversationNotFound } from "../conversations/policy.js";
import { AppError } from "../errors.js";
import type { AttachmentRow } from "../storage/attachments.js";
import { memberSees } from "../storage/membership-window.js";
import type { Repositories, Store } from "../storage/store.js";
import type { User } from "../storage/users.js";
import { claimBlobs, collectBlobs, discardUnclaimed } from "./blob-lives.js";
import type { BlobStore } from "./blob-store.js";
import { hashFile } from "./content-hash.js";
import { type PreparedImage, prepareImage, THUMBNAIL_TYPE } from "./images.js";
import { presentAttachment } from "./present.js";
import { sniffContentType } from "./sniff.js";
import { isFileSystemError, stageUpload, type UploadSource, UploadTooLarge } from "./staging.js";

export interface AttachmentServiceDeps {
  store: Store;
  blobs: BlobStore;
  /** Private directory where uploads are received before they are stored. */
  stagingDir: string;
  /** The largest file, read at each upload (an admin may change it at run time). */
  maxFileBytes: () => number;
  userQuotaBytes: number;
  /** How long an upload may wait to be sent before it is deleted. */
  unsentTtlMs: number;
  onError: (err: unknown, context: string) => void;
}

const SWEEP_EVERY_MS = 60 * 60 * 1000;

export interface Upload {
  source: UploadSource;
  filename: string;
  /** Throws unless the uploader may still upload; run inside the committing transaction. */
  authorise?: (tx: Repositories) => Promise<unknown>;
}

/** What a download needs: which blob, and how to describe it. */
export interface Download {
  /** The blob's name in the store. */
  key: string;
  contentType: string;
  name: string;
  /**
   * Whether the file is an end-to-end encrypted conversation's: ciphertext whose key only
   * a message holds. Said on the download, so a client need not search its messages for
   * a key to a plain file's.
   */
  encrypted: boolean;
}

const MAX_NAME = 255;

/**
 * What an upload into an end-to-end encrypted conversation is stored as: ciphertext the
 * server cannot read, so never sniffed, decoded or previewed, and under one neutral name
 * and type whatever the uploader sent. Its real name and type travel inside the message,
 * encrypted (docs/E2EE.md, "Encrypted attachments").
 */
export const SEALED_FILE = { name: "encrypted", contentType: "application/octet-stream" };

/** The multipart body could not be read to the end of its file. */
export function malformedForm(): AppError {
  return new AppError(
    "invalid_request",
    "the multipart form is malformed or ended before its file was complete",
  );
}

function attachmentNotFound(): AppError {
  return new AppError("not_found", "attachment not found");
}

/** A display name: no directories, no control characters, bounded length. */
export function cleanFileName(raw: string): string {
  // The shared name rules: no bidi controls ("invoice\u202Egpj.exe"), separators or
  // hidden characters; a name with nothing visible left becomes "file" below.
  const base = cleanName(basename(raw.replaceAll("\\", "/")));
  const bounded = [...base].slice(0, MAX_NAME).join("");
  return bounded === "" || bounded === "." || bounded === ".." ? "file" : bounded;
}

export class AttachmentService {
  private collecting: Promise<void> | undefined;
  private collectAgain = false;
  private sweeper: NodeJS.Timeout | undefined;
  private sweeping: Promise<void> | undefined;

  constructor(private readonly deps: AttachmentServiceDeps) {}

  /**
   * Checks the caller may upload to the conversation, before any byte is read. Returns
   * how many bytes this upload may take (the file limit or the quota left).
   */
  async uploadAllowance(user: User, conversationId: string): Promise<number> {
    const self = await this.deps.store.conversations.member(conversationId, user.id);
    if (!self) throw conversationNotFound();
    const left =
      this.deps.userQuotaBytes - (await this.deps.store.attachments.bytesUsedBy(user.id));
    if (left <= 0) throw this.quotaExceeded();
    return Math.min(this.deps.maxFileBytes(), left);
  }

  private quotaExceeded(): AppError {
    return new AppError(
      "quota_exceeded",
      `your uploads may take at most ${this.deps.userQuotaBytes} bytes; delete some messages with files first`,
    );
  }

  private tooLarge(allowance: number): AppError {
    if (allowance < this.deps.maxFileBytes()) return this.quotaExceeded();
    return new AppError(
      "file_too_large",
      `a file may be at most ${this.deps.maxFileBytes()} bytes`,
    );
  }

  async upload(
    user: User,
    conversationId: string,
    allowance: number,
    upload: Upload,
  ): Promise<AttachmentView> {
    const staged = await stageUpload(upload.source, this.deps.stagingDir, allowance).catch(
      (err: unknown) => {
        if (err instanceof UploadTooLarge) throw this.tooLarge(allowance);
        if (err instanceof AppError || isFileSystemError(err)) throw err;
        // The source itself failed: the form was cut short or is malformed.
        throw malformedForm();
      },
    );
    let prepared: PreparedImage | undefined;
    let recorded: AttachmentRow | undefined;
    let acknowledged = false;
    try {
      const sealed = (await this.deps.store.mlsEpochs.encrypted(conversationId)) === true;
      const contentType = sealed ? SEALED_FILE.contentType : await sniffContentType(staged.head);
      let filePath = staged.path;
      let thumbnailPath: string | null = null;
      if (!sealed && isInlineImage(contentType)) {
        // Decoded whole before anything is stored: a broken image is refused, not half kept.
        prepared = await prepareImage(staged.path, contentType, this.deps.stagingDir);
        filePath = prepared.file;
        thumbnailPath = prepared.thumbnail;
      }
      // Hashed as it was received; an image is stored as re-encoded, hashed anew.
      const file = prepared
        ? await hashFile(filePath)
        : { sha256: staged.sha256, size: staged.size };
      const thumbnail = thumbnailPath === null ? null : await hashFile(thumbnailPath);
      const image = prepared?.info;
      const row: AttachmentRow = {
        id: randomUUID(),
        conversation_id: conversationId,
        uploader_id: user.id,
        sha256: file.sha256,
        name: sealed ? SEALED_FILE.name : cleanFileName(upload.filename),
        size: file.size,
        content_type: contentType,
        width: image?.width ?? null,
        height: image?.height ?? null,
        has_thumbnail: thumbnail ? 1 : 0,
        thumbnail_sha256: thumbnail?.sha256 ?? null,
        blob: "",
        thumbnail_blob: null,
        pending: 1,
        created_at: Date.now(),
        message_id: null,
        position: 0,
        deleted_at: null,
      };
      await this.deps.store.transaction(async (tx) => {
        await upload.authorise?.(tx);
        // Checked again now that the stored size is known and the member may have left.
        if (!(await tx.conversations.member(conversationId, user.id))) throw conversationNotFound();
        const used = await tx.attachments.bytesUsedBy(user.id);
        if (used + row.size > this.deps.userQuotaBytes) throw this.quotaExceeded();
        // The reference is recorded before any byte is written (src/attachments/blob-lives.ts).
        const shas = thumbnail ? [file.sha256, thumbnail.sha256] : [file.sha256];
        const names = await claimBlobs(tx, shas, row.created_at);
        row.blob = names.get(file.sha256) as string;
        row.thumbnail_blob = thumbnail ? (names.get(thumbnail.sha256) as string) : null;
        await tx.attachments.insert(row);
      });
      recorded = row;
      await this.deps.blobs.put(row.blob, createReadStream(filePath));
      if (thumbnailPath !== null && row.thumbnail_blob !== null) {
        await this.deps.blobs.put(row.thumbnail_blob, createReadStream(thumbnailPath));
      }
      if (!(await this.deps.store.attachments.markStored(row.id))) {
        throw new Error("the upload expired before its bytes were stored");
      }
      acknowledged = true;
      return presentAttachment({ ...row, pending: 0 });
    } finally {
      await staged.discard();
      await prepared?.discard();
      if (recorded && !acknowledged) await this.withdraw(recorded);
    }
  }

  /** Gives up an upload that failed after its row was recorded, bytes and all. */
  private async withdraw(row: AttachmentRow): Promise<void> {
    try {
      await this.deps.store.attachments.withdraw(row.id, Date.now());
      await this.collect();
      const names = [row.blob, ...(row.thumbnail_blob ? [row.thumbnail_blob] : [])];
      await discardUnclaimed(this.deps.store, this.deps.blobs, names);
    } catch (err) {
      // The upload's own failure is what the caller hears; the next sweep finishes this.
      this.deps.onError(err, "attachments.withdraw");
    }
  }

  /** Resolves a download the user may make, or throws not_found. */
  async open(user: User, attachmentId: string, variant: "file" | "thumbnail"): Promise<Download> {
    const row = await this.deps.store.attachments.byId(attachmentId);
    if (!row || !(await this.mayRead(user, row))) throw attachmentNotFound();
    if (variant === "thumbnail") {
      if (!row.thumbnail_blob) throw new AppError("not_found", "this attachment has no thumbnail");
      // Made from a plain file's image only: the server cannot decode ciphertext.
      return {
        key: row.thumbnail_blob,
        contentType: THUMBNAIL_TYPE,
        name: row.name,
        encrypted: false,
      };
    }
    const encrypted = (await this.deps.store.mlsEpochs.encrypted(row.conversation_id)) === true;
    return { key: row.blob, contentType: row.content_type, name: row.name, encrypted };
  }

  /**
   * Members read the files of messages they can see; an unsent upload is its uploader's
   * alone.
   */
  private async mayRead(user: User, row: AttachmentRow): Promise<boolean> {
    const self = await this.deps.store.conversations.member(row.conversation_id, user.id);
    if (!self) return false;
    if (row.message_id === null) return row.uploader_id === user.id;
    const message = await this.deps.store.messages.byId(row.message_id);
    return (
      message !== undefined && (await memberSees(this.deps.store.conversations, self, message.seq))
    );
  }

  blob(key: string, range?: { start: number; end: number }): Promise<Readable | undefined> {
    return this.deps.blobs.get(key, range);
  }

  blobSize(key: string): Promise<number | undefined> {
    return this.deps.blobs.size(key);
  }

  /** Sweeps now (finishing what a crash left) and then every hour, until stop(). */
  start(): void {
    if (this.sweeper) return;
    void this.sweep();
    this.sweeper = setInterval(() => void this.sweep(), SWEEP_EVERY_MS);
    this.sweeper.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.sweeper);
    this.sweeper = undefined;
    await this.sweeping;
    await this.collecting;
  }

  /** Expires uploads left unsent too long, then collects. */
  sweep(): Promise<void> {
    this.sweeping ??= (async () => {
      try {
        const now = Date.now();
        await this.deps.store.attachments.expireUnsent(now - this.deps.unsentTtlMs, now);
      } catch (err) {
        this.deps.onError(err, "attachments.sweep");
      }
      await this.collect();
    })().finally(() => {
      this.sweeping = undefined;
    });
    return this.sweeping;
  }

  /**
   * Removes the rows of deleted messages' attachments (and of expired or failed uploads),
   * and the bytes of each blob no row names any more (src/attachments/blob-lives.ts).
   * Runs after the deleting transaction commits; overlapping calls coalesce into one more
   * pass. A blob's deletion is recorded before its bytes go, so a crash leaves work to
   * retry, not files without an owner.
   */
  collect(): Promise<void> {
    if (this.collecting) {
      this.collectAgain = true;
      return this.collecting;
    }
    this.collecting = (async () => {
      try {
        do {
          this.collectAgain = false;
          await collectBlobs(this.deps.store, this.deps.blobs);
        } while (this.collectAgain);
      } catch (err) {
        this.deps.onError(err, "attachments.collect");
      } finally {
        this.collecting = undefined;
      }
    })();
    return this.collecting;
  }
}
