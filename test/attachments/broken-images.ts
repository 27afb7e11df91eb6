/**
 * Broken images for the upload tests: valid files of every type the server decodes, made
 * with sharp, then cut short, corrupted, reduced to their header or given a huge declared
 * size; and files of the image types the server keeps as opaque files, broken the same way.
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

function pngChunk(type: string, data: Buffer): Buffer {
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
export async function brokenImages(): Promise<BrokenSet> {
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
  );
  tolerated.push(
    { name: "animated GIF cut in its second frame", bytes: cut(gif, 0.4) },
    { name: "animated GIF cut in its last frame", bytes: cut(gif, 0.8) },
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
