/**
 * The byte search of encrypted-plaintext-audit.test.ts: the files of the server's data
 * directory read raw as they are (the SQLite database, its -wal and -shm files, the
 * uploads, the log), and what the recording proxy kept of its answers and socket frames,
 * searched for each plaintext.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pngChunk } from "../attachments/broken-images.js";
import { pngImage } from "../attachments/support.js";
import type { Recorded } from "../helpers/recording.js";
import { filesUnder } from "../helpers/temp-dirs.js";

/** Something the server holds or sent, by where it was found. */
export interface Source {
  where: string;
  bytes: Buffer;
}

/** Every file under the server's data directory, as it is on disk now. */
export function serverFiles(dir: string): Source[] {
  return filesUnder(dir).map((path) => ({ where: path, bytes: readFileSync(join(dir, path)) }));
}

export function answersAndFrames(recorded: Recorded[]): Source[] {
  return recorded.map(({ what, bytes }) => ({ where: `the proxy's ${what}`, bytes }));
}

/** "WHAT in WHERE" for each secret found in a source: none, when nothing leaked. */
export function found(sources: Source[], secrets: Record<string, string | Buffer>): string[] {
  return Object.entries(secrets).flatMap(([what, secret]) =>
    sources.filter(({ bytes }) => bytes.includes(secret)).map(({ where }) => `${what} in ${where}`),
  );
}

/** A PNG (64 x 48) that says `text` in a tEXt chunk, so its bytes hold a marker of their own. */
export async function pngSaying(text: string): Promise<Buffer> {
  const png = await pngImage();
  const chunk = pngChunk("tEXt", Buffer.from(`Comment\0${text}`, "latin1"));
  // After the signature and IHDR.
  return Buffer.concat([png.subarray(0, 33), chunk, png.subarray(33)]);
}
