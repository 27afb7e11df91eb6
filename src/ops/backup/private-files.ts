/**
 * Files that hold chat data: created mode 0600 from the first byte, written beside their
 * final name and moved into place with rename, so a reader never sees half a file.
 */
import { randomBytes } from "node:crypto";
import {
  chmodSync,
  closeSync,
  existsSync,
  fsyncSync,
  openSync,
  readSync,
  renameSync,
  rmSync,
  writeSync,
} from "node:fs";
import { dirname } from "node:path";
import { BackupError } from "./backup-error.js";

export const PRIVATE_MODE = 0o600;

/** A fresh name beside `path`, e.g. chat.db.restore-1a2b3c4d. */
export function tempPathBeside(path: string, label: string): string {
  return `${path}.${label}-${randomBytes(4).toString("hex")}`;
}

/** Creates `path` empty with mode 0600; fails if it already exists. */
export function createPrivateFile(path: string): void {
  closeSync(openSync(path, "wx", PRIVATE_MODE));
}

/** Writes `chunks` to a new 0600 file at `path` and flushes it to disk. */
export function writePrivateFile(path: string, chunks: readonly Buffer[]): void {
  const fd = openSync(path, "wx", PRIVATE_MODE);
  try {
    for (const chunk of chunks) {
      let offset = 0;
      while (offset < chunk.length) offset += writeSync(fd, chunk, offset);
    }
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

const COPY_CHUNK_BYTES = 8 * 1024 * 1024;

/**
 * Copies `from` into a new 0600 file at `to`. Unlike copyFile, which gives the copy the
 * source's mode, the copy is never readable by others, not even for a moment.
 */
export function copyToPrivateFile(from: string, to: string): void {
  const source = openSync(from, "r");
  try {
    const target = openSync(to, "wx", PRIVATE_MODE);
    try {
      const buffer = Buffer.alloc(COPY_CHUNK_BYTES);
      for (;;) {
        const read = readSync(source, buffer, 0, buffer.length, null);
        if (read === 0) break;
        let offset = 0;
        while (offset < read) offset += writeSync(target, buffer, offset, read - offset);
      }
      fsyncSync(target);
    } finally {
      closeSync(target);
    }
  } finally {
    closeSync(source);
  }
}

/** Flushes a file's contents, then makes it 0600 (umask or a copy may have widened it). */
export function sealFile(path: string): void {
  const fd = openSync(path, "r+");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  chmodSync(path, PRIVATE_MODE);
}

/** Makes renames inside the directory of `path` survive a power cut. */
export function syncDirectoryOf(path: string): void {
  const fd = openSync(dirname(path), "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Moves `from` to `to`, refusing to replace an existing `to`. */
export function moveNoClobber(from: string, to: string): void {
  if (existsSync(to)) throw new BackupError(`${to} already exists; choose another name`);
  renameSync(from, to);
}

export function removeQuietly(path: string): void {
  rmSync(path, { force: true });
}
