/**
 * New files only the server's user may read (0600), created before any byte is piped to
 * them. A write stream that opens its file itself may still be opening when a failed pipe
 * is cleaned up, and then creates the file after it was removed; a file that exists before
 * the pipe starts is always there to remove.
 */
import type { WriteStream } from "node:fs";
import { mkdir, open } from "node:fs/promises";
import { dirname } from "node:path";

const DIR_MODE = 0o700;

export async function createPrivateFile(path: string): Promise<WriteStream> {
  const handle = await open(path, "wx", 0o600);
  return handle.createWriteStream();
}

/**
 * The same, in a private directory made when missing, and made again when it vanished
 * between the check and the open (a cleaner of temporary files removed it): an upload
 * then still succeeds rather than failing on a directory that is the server's to keep.
 */
export async function createPrivateFileIn(path: string): Promise<WriteStream> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true, mode: DIR_MODE });
  try {
    return await createPrivateFile(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
    await mkdir(dir, { recursive: true, mode: DIR_MODE });
    return createPrivateFile(path);
  }
}
