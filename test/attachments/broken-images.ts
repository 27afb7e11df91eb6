/**
 * Broken images for the upload tests: valid files of every type the server decodes, made
 * with sharp, then cut short, corrupted, reduced to their header or given a huge declared
 * size; files written by hand that announce more decoding work than the limits allow
 * (large canvases with many tiny frames, too many frames, frames of no size); and files of
 * the image types the server keeps as opaque files, broken the same way.
 */
import { deflateSync } from "node:zlib";
import sharp, { type Sharp } from "sharp";

/** The types the server decodes and re-encodes, with the sharp encoder for each. */
export const DECODED_TYPES = {
  "image/png": (s: Sharp) => s.png(),
  "image/jpeg": (s: Sharp) => s.jpeg(),
  "image/gif": (s: Sharp) => s.gif(),
  "image/webp": (s: Sharp) => s.webp(),
} as const;

export type DecodedType = keyof typeof DECODED_TYPES;

export interface BrokenFile {
  name: string;
  bytes: Buffer;
}

/** A picture with detail (a gradient and shapes), so its bytes are not mostly padding. */
function picture(width = 160, height = 120, hue = 0): Sharp {
  const svg = `<svg width="${width}" height="${height}" xmlns="http://www.w3.org/2000/svg">
    <defs><linearGradient id="g"><stop offset="0" stop-color="hsl(${hue},80%,50%)"/>
    <stop offset="1" stop-color="hsl(${hue + 120},80%,40%)"/></linearGradient></defs>
    <rect width="100%" height="100%" fill="url(#g)"/>
    <circle cx="${width / 2}" cy="${height / 2}" r="${height / 3}" fill="white"/>
    <text x="8" y="20" font-size="14">${hue}</text></svg>`;
  return sharp(Buffer.from(svg));
}

export async function validImage(type: DecodedType): Promise<Buffer> {
  return DECODED_TYPES[type](picture()).toBuffer();
}

/** Three frames joined into one animated GIF or WebP. */
export async function animatedImage(type: "image/gif" | "image/webp"): Promise<Buffer> {
  const frames = await Promise.all(
    [0, 90, 180].map((hue) => picture(80, 60, hue).png().toBuffer()),
  );
  const joined = sharp(frames, { join: { animated: true } });
  return type === "image/gif" ? joined.gif().toBuffer() : joined.webp().toBuffer();
}

/** `bytes` with `length` bytes from `at` overwritten by a fixed junk pattern. */
function corrupt(bytes: Buffer, at: number, length: number): Buffer {
  const out = Buffer.from(bytes);
  for (let i = at; i < Math.min(at + length, out.length); i++) out[i] = (i * 37 + 0xa5) & 0xff;
  return out;
}

/** Truncations and corruptions that leave a file which still sniffs as its type. */
export function brokenVariants(label: string, bytes: Buffer, headerBytes: number): BrokenFile[] {
  const at = (fraction: number) => Math.floor(bytes.length * fraction);
  return [
    { name: `${label} header only`, bytes: bytes.subarray(0, headerBytes) },
    { name: `${label} cut at 25%`, bytes: bytes.subarray(0, at(0.25)) },
    { name: `${label} cut at 50%`, bytes: bytes.subarray(0, at(0.5)) },
    { name: `${label} cut at 90%`, bytes: bytes.subarray(0, at(0.9)) },
    { name: `${label} cut 16 bytes short`, bytes: bytes.subarray(0, bytes.length - 16) },
    { name: `${label} junk in the middle`, bytes: corrupt(bytes, at(0.4), 64) },
    { name: `${label} junk from the middle on`, bytes: corrupt(bytes, at(0.5), bytes.length) },
  ];
}

// --- huge declared dimensions ---------------------------------------------------------

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Buffer): number {
  let c = 0xffffffff;
  for (const b of bytes) c = (CRC_TABLE[(c ^ b) & 0xff] as number) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

export function pngChunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, "latin1");
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])));
  return Buffer.concat([head, data, crc]);
}

/** A well-formed PNG header declaring width x height, with a few bytes of pixel data. */
export function hugePng(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 0, 0, 0, 0], 8); // 8-bit greyscale
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk("IHDR", ihdr),
    pngChunk("IDAT", deflateSync(Buffer.alloc(1024))),
    pngChunk("IEND", Buffer.alloc(0)),
  ]);
}

/** A real JPEG whose frame header claims 65,000 x 65,000 pixels. */
export function hugeJpeg(jpeg: Buffer): Buffer {
  const out = Buffer.from(jpeg);
  for (let i = 2; i + 8 < out.length; i++) {
    // SOF0 / SOF2: FF C0|C2, length, precision, height, width.
    if (out[i] === 0xff && (out[i + 1] === 0xc0 || out[i + 1] === 0xc2)) {
      out.writeUInt16BE(65_000, i + 5);
      out.writeUInt16BE(65_000, i + 7);
      return out;
    }
  }
  throw new Error("no frame header in the JPEG");
}

/** A real GIF whose logical screen claims 65,535 x 65,535 pixels. */
export function hugeGif(gif: Buffer): Buffer {
  const out = Buffer.from(gif);
  out.writeUInt16LE(65_535, 6);
  out.writeUInt16LE(65_535, 8);
  return out;
}

// --- by hand: GIF blocks, PNG chunks, WebP headers ----------------------------------------

/**
 * A GIF of a `width` x `height` logical screen holding `frames` one-pixel frames: a few
 * bytes per frame, while every frame decodes onto the whole screen.
 */
export function canvasBombGif(width: number, height: number, frames: number): Buffer {
  const screen = Buffer.alloc(13);
  screen.write("GIF89a", 0, "latin1");
  screen.writeUInt16LE(width, 6);
  screen.writeUInt16LE(height, 8);
  screen[10] = 0x80; // a global colour table of two colours
  const palette = Buffer.from([0, 0, 0, 255, 255, 255]);
  const loop = Buffer.from([0x21, 0xff, 0x0b, ...Buffer.from("NETSCAPE2.0"), 3, 1, 0, 0, 0]);
  const parts = [screen, palette, loop];
  for (let i = 0; i < frames; i++) {
    const control = Buffer.from([0x21, 0xf9, 4, 0, 1, 0, 0, 0]);
    const descriptor = Buffer.alloc(10);
    descriptor[0] = 0x2c;
    descriptor.writeUInt16LE(i % width, 1);
    descriptor.writeUInt16LE(1, 5);
    descriptor.writeUInt16LE(1, 7);
    // LZW, minimum code size 2: clear, pixel 0, end, in one sub-block.
    parts.push(control, descriptor, Buffer.from([2, 2, 0x44, 0x01, 0]));
  }
  return Buffer.concat([...parts, Buffer.from([0x3b])]);
}

/** `gif` with its first frame's width and height set to zero. */
export function zeroFrameGif(gif: Buffer): Buffer {
  const out = Buffer.from(gif);
  const flags = out[10] as number;
  // Past the screen and its colour table, then past any extension blocks.
  let descriptor = 13 + (flags & 0x80 ? 3 * 2 ** ((flags & 0x07) + 1) : 0);
  while (out[descriptor] === 0x21) {
    descriptor += 2;
    while (out[descriptor] !== 0) descriptor += 1 + (out[descriptor] as number);
    descriptor += 1;
  }
  if (out[descriptor] !== 0x2c) throw new Error("no image descriptor in the GIF");
  out.writeUInt16LE(0, descriptor + 5);
  out.writeUInt16LE(0, descriptor + 7);
  return out;
}

/** A lossy WebP whose VP8 frame header claims 16,383 x 16,383 pixels. */
export function hugeWebp(webp: Buffer): Buffer {
  const out = Buffer.from(webp);
  // VP8 key frame start code 9d 01 2a, then 14-bit width and height.
  const start = out.indexOf(Buffer.from([0x9d, 0x01, 0x2a]));
  if (start < 0) throw new Error("no VP8 key frame in the WebP");
  out.writeUInt16LE(0x3fff, start + 3);
  out.writeUInt16LE(0x3fff, start + 5);
  return out;
}

/** A PNG without its IEND chunk (pixel data whole), or cut inside its IDAT data. */
function cutPng(png: Buffer, where: "no IEND" | "in IDAT"): Buffer {
  if (where === "no IEND") return png.subarray(0, png.length - 12);
  const idat = png.indexOf("IDAT");
  const length = png.readUInt32BE(idat - 4);
  return png.subarray(0, idat + 4 + Math.floor(length / 2));
}

/** A detailed picture large enough that a cut lands in the middle of its pixel data. */
function largePicture(): Sharp {
  return sharp({
    create: {
      width: 480,
      height: 360,
      channels: 3,
      background: "grey",
      noise: { type: "gaussian", mean: 128, sigma: 40 },
    },
  });
}

/** `frames` distinct solid frames of `width` x `height` joined into an animation. */
async function solidAnimation(
  type: "image/gif" | "image/webp",
  width: number,
  height: number,
  frames: number,
): Promise<Buffer> {
  const parts = await Promise.all(
    Array.from({ length: frames }, (_, i) =>
      sharp({
        // Colours far apart, so that no encoder merges two frames into one.
        create: {
          width,
          height,
          channels: 3,
          background: { r: (i * 29) % 256, g: (i * 71) % 256, b: (i * 13) % 256 },
        },
      })
        .png()
        .toBuffer(),
    ),
  );
  const joined = sharp(parts, { join: { animated: true } });
  return type === "image/gif"
    ? joined.gif().toBuffer()
    : joined.webp({ quality: 10, effort: 0 }).toBuffer();
}

/**
 * Files that announce more decoding work than the limits allow (an animation's canvas
 * times its frames, too many frames, a huge declared size), each only a few bytes to a
 * few kilobytes: every one must be refused from its header, before decoding.
 */
export function overLimitImages(): Promise<BrokenFile[]> {
  overLimit ??= makeOverLimitImages();
  return overLimit;
}
let overLimit: Promise<BrokenFile[]> | undefined;

async function makeOverLimitImages(): Promise<BrokenFile[]> {
  return [
    { name: "GIF 2,000 x 2,000 screen, 15 one-pixel frames", bytes: canvasBombGif(2000, 2000, 15) },
    { name: "GIF 1,000 x 1,000 screen, 60 one-pixel frames", bytes: canvasBombGif(1000, 1000, 60) },
    // The largest screen the GIF decoder honours (a larger one decodes as the frames' size).
    { name: "GIF 2,048 x 2,048 screen, 8 one-pixel frames", bytes: canvasBombGif(2048, 2048, 8) },
    { name: "GIF 1 x 1, 5,000 frames", bytes: canvasBombGif(1, 1, 5000) },
    { name: "GIF 16 x 16, 301 frames", bytes: canvasBombGif(16, 16, 301) },
    {
      name: "WebP 2,000 x 2,000, 9 frames",
      bytes: await solidAnimation("image/webp", 2000, 2000, 9),
    },
    { name: "WebP 8 x 8, 301 frames", bytes: await solidAnimation("image/webp", 8, 8, 301) },
    { name: "PNG declaring 10,000 x 7,000", bytes: hugePng(10_000, 7_000) },
    { name: "WebP declaring 16,383 x 16,383", bytes: hugeWebp(await validImage("image/webp")) },
  ];
}

export interface BrokenSet {
  /** Files no decoder can read whole: each must be refused with invalid_image. */
  refused: BrokenFile[];
  /**
   * Damage the decoders read past: JPEG and lossy WebP show junk pixels, GIF drops an
   * animation's incomplete frames and ignores a declared screen size. Each may be stored
   * (re-encoded, so what is kept is a clean image) or refused, never a 5xx.
   */
  tolerated: BrokenFile[];
}

/**
 * Every broken file of the decoded types: each type truncated and corrupted, animations
 * with broken frames, and huge declared dimensions. All of them sniff as images.
 */
export function brokenImages(): Promise<BrokenSet> {
  broken ??= makeBrokenImages();
  return broken;
}
let broken: Promise<BrokenSet> | undefined;

async function makeBrokenImages(): Promise<BrokenSet> {
  const header: Record<DecodedType, number> = {
    "image/png": 33, // signature and IHDR
    "image/jpeg": 20, // SOI and APP0
    "image/gif": 13, // header and logical screen
    "image/webp": 30, // RIFF, WEBP and the first chunk's header
  };
  const refused: BrokenFile[] = [];
  const tolerated: BrokenFile[] = [];
  for (const type of Object.keys(DECODED_TYPES) as DecodedType[]) {
    for (const file of brokenVariants(type, await validImage(type), header[type])) {
      const junk = file.name.includes("junk");
      (junk && (type === "image/jpeg" || type === "image/webp") ? tolerated : refused).push(file);
    }
  }
  const gif = await animatedImage("image/gif");
  const webp = await animatedImage("image/webp");
  const cut = (bytes: Buffer, fraction: number) =>
    bytes.subarray(0, Math.floor(bytes.length * fraction));
  refused.push(
    { name: "animated WebP cut in its second frame", bytes: cut(webp, 0.4) },
    { name: "animated WebP cut in its last frame", bytes: cut(webp, 0.8) },
    {
      name: "animated WebP with junk in a later frame",
      bytes: corrupt(webp, webp.indexOf("VP8", webp.lastIndexOf("ANMF")) + 8, 24),
    },
    { name: "PNG declaring 100,000 x 100,000", bytes: hugePng(100_000, 100_000) },
    { name: "PNG declaring 2^31-1 x 1", bytes: hugePng(0x7fffffff, 1) },
    { name: "JPEG declaring 65,000 x 65,000", bytes: hugeJpeg(await validImage("image/jpeg")) },
    // libvips keeps the frames a cut GIF has: the container walk finds the cut.
    { name: "animated GIF cut in its second frame", bytes: cut(gif, 0.4) },
    { name: "animated GIF cut in its last frame", bytes: cut(gif, 0.8) },
    { name: "animated GIF without its trailer", bytes: gif.subarray(0, gif.length - 1) },
    { name: "GIF with a frame of no size", bytes: zeroFrameGif(await validImage("image/gif")) },
    { name: "animated GIF with a frame of no size", bytes: zeroFrameGif(gif) },
    { name: "PNG without IEND", bytes: cutPng(await validImage("image/png"), "no IEND") },
    { name: "PNG cut inside IDAT", bytes: cutPng(await validImage("image/png"), "in IDAT") },
    // Under the pixel limit, with 1 KiB of pixel data for 64 megapixels.
    { name: "PNG declaring 7,999 x 7,999 with 1 KiB of data", bytes: hugePng(7_999, 7_999) },
    ...(await overLimitImages()),
  );
  // Cut in the middle of their pixel data (a JPEG mid-scan, baseline and progressive).
  const large: [string, Buffer][] = [
    ["large PNG", await largePicture().png().toBuffer()],
    ["large JPEG", await largePicture().jpeg().toBuffer()],
    ["large progressive JPEG", await largePicture().jpeg({ progressive: true }).toBuffer()],
    ["large WebP", await largePicture().webp().toBuffer()],
    ["large lossless WebP", await largePicture().webp({ lossless: true }).toBuffer()],
    // A smooth picture: a noisy GIF takes seconds to encode.
    ["large GIF", await picture(480, 360).gif().toBuffer()],
  ];
  for (const [label, bytes] of large) {
    for (const fraction of [0.3, 0.7, 0.99]) {
      refused.push({ name: `${label} cut at ${fraction * 100}%`, bytes: cut(bytes, fraction) });
    }
  }
  tolerated.push(
    {
      name: "animated GIF with junk in a later frame",
      bytes: corrupt(gif, Math.floor(gif.length * 0.7), 48),
    },
    {
      name: "GIF declaring a 65,535 x 65,535 screen",
      bytes: hugeGif(await validImage("image/gif")),
    },
  );
  return { refused, tolerated };
}

/** A 2 x 2, 24-bit BMP, written by hand (sharp reads BMP only through other loaders). */
function bmp(): Buffer {
  const pixels = Buffer.alloc(16, 0x7f); // two rows of 2 pixels, padded to 8 bytes each
  const header = Buffer.alloc(54);
  header.write("BM", 0, "latin1");
  header.writeUInt32LE(54 + pixels.length, 2);
  header.writeUInt32LE(54, 10);
  header.writeUInt32LE(40, 14);
  header.writeInt32LE(2, 18);
  header.writeInt32LE(2, 22);
  header.writeUInt16LE(1, 26);
  header.writeUInt16LE(24, 28);
  return Buffer.concat([header, pixels]);
}

/** A PNG with an acTL chunk: file-type calls it APNG, which is not shown inline. */
async function apng(): Promise<Buffer> {
  const png = await validImage("image/png");
  const actl = Buffer.alloc(8);
  actl.writeUInt32BE(1, 0);
  return Buffer.concat([png.subarray(0, 33), pngChunk("acTL", actl), png.subarray(33)]);
}

/**
 * Image types the server does not decode (it stores them as opaque files, served as
 * downloads), each whole, truncated and corrupted.
 */
export async function opaqueImages(): Promise<BrokenFile[]> {
  const svg = Buffer.from(
    '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script><rect width="9"',
  );
  const sources: [string, Buffer][] = [
    ["AVIF", await picture().avif().toBuffer()],
    ["TIFF", await picture().tiff().toBuffer()],
    ["BMP", bmp()],
    ["APNG", await apng()],
    ["SVG", svg],
  ];
  return sources.flatMap(([label, bytes]) => [
    { name: `${label} whole`, bytes },
    ...brokenVariants(label, bytes, 12),
  ]);
}
