/**
 * New files only the server's user may read (0600), created before any byte is piped to
 * them. A write stream that opens its file itself may still be opening when a failed pipe
 * is cleaned up, and then creates the file after it was removed; a file that exists before
 * the pipe starts is always there to remove.
 */
import type { WriteStream } from "node:fs";
import { open } from "node:fs/promises";

export async function createPrivateFile(path: string): Promise<WriteStream> {
  const handle = await open(path, "wx", 0o600);
  return handle.createWriteStream();
}
