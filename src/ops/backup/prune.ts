/**
 * `chat-server backup prune DIR [--keep N]`: deletes the oldest backups of a folder
 * beyond N, then the blobs no kept backup can name. It reads no manifest (so it needs no
 * key, and works where only the age recipient is on the server): every backup sets the
 * modification time of each blob it names to its own time, so a blob last touched more
 * than a day before the oldest kept backup was written belongs to deleted backups only.
 * The day covers the time a backup takes between touching its first blob and writing its
 * manifest. Temporary files left by a killed backup go once they are a day old.
 */
import { closeSync, openSync, readdirSync, readSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { isAgeFile } from "./age-files.js";
import { BackupError } from "./backup-error.js";
import { BLOB_KEY_FILE } from "./backup-set.js";

const MARGIN_MS = 24 * 60 * 60 * 1000;

export interface PruneResult {
  deletedBackups: string[];
  keptBackups: number;
  deletedBlobs: number;
  deletedBytes: number;
}

function startsLikeAge(path: string): boolean {
  const head = Buffer.alloc(32);
  const fd = openSync(path, "r");
  try {
    return isAgeFile(head.subarray(0, readSync(fd, head, 0, head.length, 0)));
  } finally {
    closeSync(fd);
  }
}

/** The backups (sealed manifests) at the top of the folder, newest first. */
function backupsIn(dir: string): { name: string; mtimeMs: number }[] {
  return readdirSync(dir)
    .filter((name) => name !== BLOB_KEY_FILE && !name.includes(".partial-"))
    .map((name) => ({ name, info: statSync(join(dir, name)) }))
    .filter(({ name, info }) => info.isFile() && startsLikeAge(join(dir, name)))
    .map(({ name, info }) => ({ name, mtimeMs: info.mtimeMs }))
    .sort((a, b) => b.mtimeMs - a.mtimeMs || b.name.localeCompare(a.name));
}

export function pruneFolder(dir: string, keep: number | undefined, now = Date.now()): PruneResult {
  let all: { name: string; mtimeMs: number }[];
  try {
    all = backupsIn(dir);
  } catch (err) {
    throw new BackupError(`cannot read ${dir} (${(err as NodeJS.ErrnoException).code ?? err})`);
  }
  const kept = keep === undefined ? all : all.slice(0, keep);
  const deletedBackups = keep === undefined ? [] : all.slice(keep).map((backup) => backup.name);
  for (const name of deletedBackups) rmSync(join(dir, name));
  const result = { deletedBackups, keptBackups: kept.length, deletedBlobs: 0, deletedBytes: 0 };
  // Without a kept backup nothing says which blobs matter: leave them all.
  if (kept.length === 0) return result;
  const cutoff = Math.min(...kept.map((backup) => backup.mtimeMs)) - MARGIN_MS;
  const blobs = join(dir, "blobs");
  let entries: string[];
  try {
    entries = readdirSync(blobs, { recursive: true, encoding: "utf8" }) as string[];
  } catch {
    return result;
  }
  for (const entry of entries) {
    const path = join(blobs, entry);
    const info = statSync(path, { throwIfNoEntry: false });
    if (!info?.isFile()) continue;
    const stale = entry.includes(".partial-")
      ? info.mtimeMs < now - MARGIN_MS
      : entry.endsWith(".age") && info.mtimeMs < cutoff;
    if (!stale) continue;
    rmSync(path, { force: true });
    result.deletedBlobs += 1;
    result.deletedBytes += info.size;
  }
  return result;
}
