/**
 * The uploads directory, checked at start and by /health. Attachments live there (with a
 * local store) or are spooled there (with S3); a directory that is missing, moved or not
 * writable breaks every attachment while the rest of the server works, so the server
 * says so instead of starting, and /health says so while it runs.
 */
import { constants, existsSync } from "node:fs";
import { access, mkdir, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Config } from "../config/schema.js";
import type { Store } from "../storage/store.js";
import { uploadsDir } from "./setup.js";

/** Where operators find what to do about it. */
export const UPLOADS_HELP = 'see "Attachments answer 404 or 500" in docs/TROUBLESHOOTING.md';

export class UploadsDirError extends Error {
  constructor(message: string) {
    super(`${message}; ${UPLOADS_HELP}`);
    this.name = "UploadsDirError";
  }
}

function reason(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  return e.code ?? e.message ?? String(err);
}

/** How the directory was chosen, for messages: the key, or the default it came from. */
function origin(config: Pick<Config, "uploads" | "database">): string {
  return config.uploads.path !== ""
    ? "[uploads] path"
    : "the default: `uploads` beside [database] path, as [uploads] path is not set";
}

/**
 * At start: the directory exists, or is created, and the server can write in it. A local
 * store's directory is not created while the database holds stored files: they would
 * all be missing, so the configuration names the wrong place.
 */
export async function prepareUploadsDir(config: Config, store: Store): Promise<string> {
  const root = uploadsDir(config);
  // LocalBlobStore keeps its files under blobs/; S3 only spools under tmp/.
  if (config.uploads.store === "local" && !existsSync(join(root, "blobs"))) {
    const stored = await store.db
      .selectFrom("blobs")
      .select("name")
      .where("deleting_at", "is", null)
      .limit(1)
      .executeTakeFirst();
    if (stored) {
      throw new UploadsDirError(
        `the uploads directory ${root} (${origin(config)}) holds no attachments, yet the database lists stored ones: set [uploads] path to the directory that holds them (the one with a blobs/ directory)`,
      );
    }
  }
  if (!existsSync(root)) {
    try {
      await mkdir(root, { recursive: true, mode: 0o700 });
    } catch (err) {
      throw new UploadsDirError(
        `cannot create the uploads directory ${root} (${origin(config)}): ${reason(err)}`,
      );
    }
  }
  const probe = join(root, `.write-check-${process.pid}`);
  try {
    await writeFile(probe, "", { mode: 0o600 });
    await rm(probe, { force: true });
  } catch (err) {
    throw new UploadsDirError(
      `cannot write in the uploads directory ${root} (${origin(config)}): ${reason(err)}`,
    );
  }
  return root;
}

/**
 * For /health: throws unless the directory is still there and this process may write in
 * it (a directory removed, replaced or remounted read-only since the start).
 */
export async function checkUploadsDir(root: string): Promise<void> {
  const info = await stat(root);
  if (!info.isDirectory()) throw new Error(`${root} is not a directory`);
  await access(root, constants.R_OK | constants.W_OK | constants.X_OK);
}
