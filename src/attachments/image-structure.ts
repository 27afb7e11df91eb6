/**
 * A walk over an image file's container (PNG chunks, GIF blocks, WebP RIFF chunks) before
 * any pixel is decoded. libvips reads past a GIF cut short (it keeps the frames it has)
 * and past a PNG that ends before its IEND chunk, so "the file is complete" is checked
 * here, for every type whose decoder does not refuse truncation itself (JPEG's does). The
 * walk also counts a GIF's frames and finds frames of no size. It reads the file in
 * windows, never whole, and costs a few reads per megabyte.
 */
import { type FileHandle, open } from "node:fs/promises";

/** Why a container is refused; the caller turns it into invalid_image. */
export class BrokenImage extends Error {
  constructor(message: string) {
    super(message);
    this.name = "BrokenImage";
  }
}

const WINDOW = 64 * 1024;

/** Random reads of a file through one cached window. */
class FileBytes {
  private window = Buffer.alloc(0);
  private windowStart = 0;

  private constructor(
    private readonly handle: FileHandle,
    readonly size: number,
  ) {}

  static async open(path: string): Promise<FileBytes> {
    const handle = await open(path, "r");
    return new FileBytes(handle, (await handle.stat()).size);
  }

  close(): Promise<void> {
    return this.handle.close();
  }

  /** `length` bytes from `at` if the window already holds them (no await on the hot path). */
  peek(at: number, length: number): Buffer | undefined {
    const from = at - this.windowStart;
    if (from < 0 || from + length > this.window.length) return undefined;
    return this.window.subarray(from, from + length);
  }

  /** Moves the window to `at`; throws BrokenImage if the file ends before `length` bytes. */
  async load(at: number, length: number): Promise<Buffer> {
    if (at + length > this.size) throw new BrokenImage("the file is cut short");
    const want = Math.min(Math.max(length, WINDOW), this.size - at);
    const buffer = Buffer.alloc(want);
    const { bytesRead } = await this.handle.read(buffer, 0, want, at);
    if (bytesRead < length) throw new BrokenImage("the file is cut short");
    this.window = buffer.subarray(0, bytesRead);
    this.windowStart = at;
    return this.window.subarray(0, length);
  }

  /** The window from `at` on (at least one byte). */
  rest(at: number): Buffer | Promise<Buffer> {
    return this.peek(at, 1)
      ? this.window.subarray(at - this.windowStart)
      : this.load(at, 1).then(() => this.window);
  }
}

export interface Structure {
  /** Frames the container holds, where the walk counts them (GIF); otherwise undefined. */
  frames?: number;
}

/** PNG: chunks follow the signature until IEND, each whole (length, type, data, CRC). */
async function walkPng(file: FileBytes): Promise<Structure> {
  let at = 8;
  for (;;) {
    const head = file.peek(at, 8) ?? (await file.load(at, 8));
    const length = head.readUInt32BE(0);
    const type = head.toString("latin1", 4, 8);
    if (at === 8 && type !== "IHDR") throw new BrokenImage("the PNG does not start with IHDR");
    at += 12 + length;
    if (at > file.size) throw new BrokenImage("the file is cut short");
    if (type === "IEND") return {};
  }
}

/**
 * A GIF's data sub-blocks end with a zero-length block; returns the offset after it.
 * Walks each window without awaiting, so a file of one-byte blocks costs no more turns
 * of the event loop than one of full blocks.
 */
async function skipSubBlocks(file: FileBytes, at: number): Promise<number> {
  for (;;) {
    const view = file.rest(at);
    const window = view instanceof Buffer ? view : await view;
    let i = 0;
    while (i < window.length) {
      const length = window[i] as number;
      if (length === 0) return at + i + 1;
      i += 1 + length;
    }
    at += i;
  }
}

/** The size of a colour table whose presence and size are in a packed flags byte. */
function colourTableBytes(flags: number): number {
  return flags & 0x80 ? 3 * 2 ** ((flags & 0x07) + 1) : 0;
}

/**
 * GIF: header, screen, then extensions and frames until the trailer byte. Stops at
 * `maxFrames` + 1 frames, and at a number of blocks no real GIF has, so a file of
 * millions of empty blocks is refused early.
 */
async function walkGif(file: FileBytes, maxFrames: number): Promise<Structure> {
  const screen = file.peek(6, 7) ?? (await file.load(6, 7));
  let at = 13 + colourTableBytes(screen[4] as number);
  let frames = 0;
  const maxBlocks = 4 * maxFrames + 64;
  for (let blocks = 0; ; blocks++) {
    if (blocks > maxBlocks) throw new BrokenImage(`the GIF has more than ${maxBlocks} blocks`);
    const block = (file.peek(at, 1) ?? (await file.load(at, 1)))[0];
    if (block === 0x3b) break;
    if (block === 0x21) {
      at = await skipSubBlocks(file, at + 2);
    } else if (block === 0x2c) {
      const descriptor = file.peek(at + 1, 10) ?? (await file.load(at + 1, 10));
      if (descriptor.readUInt16LE(4) === 0 || descriptor.readUInt16LE(6) === 0) {
        throw new BrokenImage("the GIF has a frame of no size");
      }
      at += 10 + colourTableBytes(descriptor[8] as number);
      const codeSize = (file.peek(at, 1) ?? (await file.load(at, 1)))[0] as number;
      if (codeSize < 1 || codeSize > 11) throw new BrokenImage("the GIF has a corrupt frame");
      at = await skipSubBlocks(file, at + 1);
      frames += 1;
      if (frames > maxFrames) return { frames };
    } else {
      throw new BrokenImage("the GIF has a corrupt block");
    }
  }
  if (frames === 0) throw new BrokenImage("the GIF has no frames");
  return { frames };
}

/** WebP: the RIFF container holds its declared size, in whole chunks. */
async function walkWebp(file: FileBytes): Promise<Structure> {
  const riff = file.peek(0, 12) ?? (await file.load(0, 12));
  const end = 8 + riff.readUInt32LE(4);
  if (end > file.size) throw new BrokenImage("the file is cut short");
  let at = 12;
  while (at < end) {
    const head = file.peek(at, 8) ?? (await file.load(at, 8));
    const length = head.readUInt32LE(4);
    // Chunks are padded to an even length; a writer that leaves out the last pad byte
    // has still written every byte of data.
    at += 8 + length;
    if (at > end) throw new BrokenImage("the file is cut short");
    at += length % 2;
  }
  return {};
}

const WALKERS: Record<string, (file: FileBytes, maxFrames: number) => Promise<Structure>> = {
  "image/png": walkPng,
  "image/gif": walkGif,
  "image/webp": walkWebp,
};

/**
 * Checks the container of the image at `path` is complete and well-formed; throws
 * BrokenImage if not. Types without a walker (JPEG) are left to the decoder.
 */
export async function checkStructure(
  path: string,
  contentType: string,
  maxFrames: number,
): Promise<Structure> {
  const walk = WALKERS[contentType];
  if (!walk) return {};
  const file = await FileBytes.open(path);
  try {
    return await walk(file, maxFrames);
  } finally {
    await file.close();
  }
}
