/**
 * Builds the attachment service from [uploads]: which blob store, where uploads are
 * received, and the collection of deleted messages' files once their deletion commits.
 */
import { dirname, join, resolve } from "node:path";
import type { Config } from "../config/schema.js";
import type { DomainEvents } from "../events/bus.js";
import type { Store } from "../storage/store.js";
import type { BlobStore } from "./blob-store.js";
import { LocalBlobStore } from "./local-store.js";
import { S3BlobStore } from "./s3-store.js";
import { AttachmentService } from "./service.js";

/** [uploads] path, or an `uploads` directory beside the SQLite database file. */
export function uploadsDir(config: Pick<Config, "uploads" | "database">): string {
  if (config.uploads.path !== "") return resolve(config.uploads.path);
  return resolve(dirname(config.database.path), "uploads");
}

export function createBlobStore(config: Pick<Config, "uploads" | "database">): BlobStore {
  const root = uploadsDir(config);
  const { uploads } = config;
  if (uploads.store === "s3") {
    return new S3BlobStore({
      endpoint: uploads.s3_endpoint,
      bucket: uploads.s3_bucket,
      region: uploads.s3_region,
      accessKeyId: uploads.s3_access_key_id,
      secretAccessKey: uploads.s3_secret_access_key,
      forcePathStyle: uploads.s3_force_path_style,
      spoolDir: join(root, "tmp"),
    });
  }
  return new LocalBlobStore(root);
}

/** An upload not sent with a message within a day is deleted. */
export const UNSENT_TTL_MS = 24 * 60 * 60 * 1000;

export function createAttachmentService(
  config: Config,
  store: Store,
  events: DomainEvents,
  onError: (err: unknown, context: string) => void,
  maxFileBytes: () => number = () => config.uploads.max_file_bytes,
): AttachmentService {
  const service = new AttachmentService({
    store,
    blobs: createBlobStore(config),
    stagingDir: join(uploadsDir(config), "tmp"),
    maxFileBytes,
    userQuotaBytes: config.uploads.user_quota_bytes,
    unsentTtlMs: UNSENT_TTL_MS,
    onError,
  });
  events.on("chat.events", (committed) => {
    if (committed.some((event) => event.type === "message.deleted")) void service.collect();
  });
  return service;
}
