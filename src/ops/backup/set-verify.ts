/**
 * `chat-server backup verify FILE`: checks a backup without restoring it. Every blob is
 * decrypted (which authenticates it) and its SHA-256 and size compared with the manifest;
 * the database image also passes PRAGMA integrity_check. The clear database is decrypted
 * into a private temporary directory (0700, file 0600), removed when the check ends.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import SqliteDatabase from "better-sqlite3-multiple-ciphers";
import type { OpenKey } from "./age-files.js";
import { BackupError } from "./backup-error.js";
import { extractDatabase, extractUpload, openSet } from "./set-read.js";
import { inspectDatabase, schemaVersionOf } from "./sqlite-file.js";

export interface VerifyResult {
  schemaVersion: string;
  databaseBytes: number;
  /** null when the backup was taken without uploads. */
  files: number | null;
  fileBytes: number;
}

async function checkDatabase(path: string, label: string): Promise<string> {
  const db = new SqliteDatabase(path, { fileMustExist: true, readonly: true });
  try {
    const inspection = await inspectDatabase(db);
    if (inspection.problems.length > 0) {
      throw new BackupError(
        `the database of ${label} fails PRAGMA integrity_check (${inspection.problems[0]})`,
      );
    }
    if (inspection.applied.length === 0) {
      throw new BackupError(`the database of ${label} holds no chat-server schema`);
    }
    return schemaVersionOf(inspection.applied);
  } catch (err) {
    if (!(err instanceof SqliteDatabase.SqliteError)) throw err;
    throw new BackupError(
      `the database of ${label} is not a readable SQLite database (${err.message})`,
    );
  } finally {
    db.close();
  }
}

export async function verifySet(path: string, key: OpenKey): Promise<VerifyResult> {
  const set = await openSet(path, key);
  const scratch = mkdtempSync(join(tmpdir(), "chat-verify-"));
  try {
    const databasePath = join(scratch, "chat.db");
    await extractDatabase(set, databasePath);
    const schemaVersion = await checkDatabase(databasePath, path);
    const uploads = set.manifest.uploads;
    for (const entry of uploads ?? []) await extractUpload(set, entry, undefined);
    return {
      schemaVersion,
      databaseBytes: set.manifest.database.size,
      files: uploads === null ? null : uploads.length,
      fileBytes: uploads?.reduce((sum, entry) => sum + entry.size, 0) ?? 0,
    };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
