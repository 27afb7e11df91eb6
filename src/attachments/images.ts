/**
 * Images: re-encoded without their metadata (EXIF with GPS positions, XMP, comments),
 * with the camera's orientation applied to the pixels, and a small preview. An upload
 * that sniffs as an image is decoded whole here, into private files, before anything is
 * stored: whatever part of it is broken is found now and refused as invalid_image.
 *
 * What decoding will cost is known from the header before a pixel is decoded: a still
 * image may have up to MAX_PIXELS, an animation up to MAX_FRAMES frames and
 * MAX_ANIMATION_PIXELS in all its frames together (each frame is decoded onto the whole
 * canvas and re-encoded, so a few hundred bytes declaring a large canvas and many tiny
 * frames would otherwise cost seconds of a thread and a hundred megabytes). The work
 * itself waits its turn in the image queue.
 */
import { randomUUID } from "node:crypto";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import sharp, { type Sharp } from "sharp";
import { AppError } from "../errors.js";
import { type ImageQueue, imageQueue } from "./image-queue.js";
import { BrokenImage, checkStructure } from "./image-structure.js";
import { createPrivateFile } from "./private-file.js";
import { isFileSystemError } from "./staging.js";

// libvips' cache keeps recent inputs and results (and their open files) for reuse; every
// upload is a new file, so it would only hold memory and descriptors of deleted files.
sharp.cache(false);
// One libvips thread per image: the queue runs about one job per core, so images use the
// cores without each one also spreading over all of them.
sharp.concurrency(1);

export const THUMBNAIL_MAX = 320;
export const THUMBNAIL_TYPE = "image/webp";
/** A still image: a 64-megapixel ceiling keeps a small file from exhausting memory. */
export const MAX_PIXELS = 64_000_000;
/** An animation: at most this many frames... */
export const MAX_FRAMES = 300;
/** ...and at most this many pixels in all its frames together. */
export const MAX_ANIMATION_PIXELS = 32_000_000;

export interface ImageInfo {
  width: number;
  height: number;
}

/** What the header says decoding will take. */
interface Decoding extends ImageInfo {
  frames: number;
}

/**
 * `failOn: "error"` refuses truncated pixel data and decoder errors (it implies
 * "truncated"); decoder warnings (a JPEG's stray bytes, common from some cameras) pass,
 * and what they decode to is re-encoded as clean pixels. `limitInputPixels` repeats the
 * header check below inside libvips, over every frame loaded.
 */
function open(path: string, frames: number): Sharp {
  const animated = frames > 1;
  return sharp(path, {
    animated,
    failOn: "error",
    limitInputPixels: animated ? MAX_ANIMATION_PIXELS : MAX_PIXELS,
  });
}

const megapixels = (pixels: number) => `${Math.round(pixels / 100_000) / 10} megapixels`;

/**
 * Reads an image's header (and walks its container) without decoding pixels: its
 * dimensions after orientation and its frames, refused with a message naming the limit
 * if decoding it would cost more than the limits allow.
 */
async function inspect(path: string, contentType: string): Promise<Decoding> {
  const structure = await checkStructure(path, contentType, MAX_FRAMES);
  const meta = await sharp(path, { failOn: "error" }).metadata();
  const width = meta.autoOrient?.width ?? meta.width;
  // Without `animated`, `height` is one frame's (pageHeight, when set, says the same).
  const height = meta.autoOrient?.height ?? meta.pageHeight ?? meta.height;
  if (!width || !height) throw invalidImage("the image has no size");
  const frames = Math.max(meta.pages ?? 1, structure.frames ?? 1);
  if (frames > MAX_FRAMES) {
    throw invalidImage(
      `the animation has more than ${MAX_FRAMES} frames; at most ${MAX_FRAMES} frames are accepted`,
    );
  }
  const pixels = width * height * frames;
  if (frames > 1 && pixels > MAX_ANIMATION_PIXELS) {
    throw invalidImage(
      `the animation has ${megapixels(pixels)} (${width} x ${height} in ${frames} frames); ` +
        `at most ${megapixels(MAX_ANIMATION_PIXELS)} in all frames together are accepted`,
    );
  }
  if (pixels > MAX_PIXELS) {
    throw invalidImage(
      `the image has ${megapixels(pixels)} (${width} x ${height}); at most ${megapixels(MAX_PIXELS)} are accepted`,
    );
  }
  return { width, height, frames };
}

/**
 * The image re-encoded in its own format with no metadata kept (sharp drops it unless
 * asked to keep it), as a stream of bytes.
 */
function cleanImage(path: string, contentType: string, frames: number): Sharp {
  switch (contentType) {
    case "image/png":
      return open(path, 1).autoOrient().png();
    case "image/gif":
      // The input's palette is kept where it fits, and the fastest quantiser builds the
      // rest: re-encoding a GIF is for removing its metadata, not for smaller files.
      return open(path, frames).gif({ reuse: true, effort: 1 });
    case "image/webp":
      return open(path, frames).autoOrient().webp({ quality: 90 });
    default:
      return open(path, 1).autoOrient().jpeg({ quality: 90 });
  }
}

/**
 * A preview at most THUMBNAIL_MAX pixels on its longer side, as WebP. Only the first
 * frame of an animation is decoded for it.
 */
function thumbnail(path: string): Sharp {
  return open(path, 1)
    .autoOrient()
    .resize(THUMBNAIL_MAX, THUMBNAIL_MAX, { fit: "inside", withoutEnlargement: true })
    .webp({ quality: 75 });
}

/** An image decoded and re-encoded into private files, ready to be stored. */
export interface PreparedImage {
  info: ImageInfo;
  /** The cleaned image. */
  file: string;
  thumbnail: string;
  /** Removes both files (safe to call twice). */
  discard(): Promise<void>;
}

function invalidImage(reason = "it is cut short or corrupt"): AppError {
  return new AppError("invalid_image", `the image could not be decoded: ${reason}`);
}

/**
 * Reads, re-encodes and previews the image at `path` into new files in `dir`, when the
 * image queue has room (server_busy when it has none). Any decoding failure (at the
 * header, in the container, in the pixels, in a later frame) and any image over the
 * limits throws invalid_image; on every failure nothing is left in `dir`.
 */
export function prepareImage(
  path: string,
  contentType: string,
  dir: string,
  queue: ImageQueue = imageQueue,
): Promise<PreparedImage> {
  return queue.run(() => decode(path, contentType, dir));
}

async function decode(path: string, contentType: string, dir: string): Promise<PreparedImage> {
  const file = join(dir, `${randomUUID()}.image`);
  const thumb = join(dir, `${randomUUID()}.thumb`);
  const discard = async () => {
    await rm(file, { force: true });
    await rm(thumb, { force: true });
  };
  const write = async (image: Sharp, target: string) =>
    pipeline(image, await createPrivateFile(target));
  try {
    const { width, height, frames } = await inspect(path, contentType);
    await write(cleanImage(path, contentType, frames), file);
    await write(thumbnail(path), thumb);
    return { info: { width, height }, file, thumbnail: thumb, discard };
  } catch (err) {
    await discard();
    if (err instanceof AppError || isFileSystemError(err)) throw err;
    // Every other failure is the decoder's (sharp's errors are plain Errors).
    throw invalidImage(err instanceof BrokenImage ? err.message : undefined);
  }
}
