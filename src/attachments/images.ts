/**
 * Images: re-encoded without their metadata (EXIF with GPS positions, XMP, comments),
 * with the camera's orientation applied to the pixels, and a small preview. An upload
 * that sniffs as an image is decoded whole here, into private files, before anything is
 * stored: whatever part of it is broken is found now and refused as invalid_image.
 */
import { randomUUID } from "node:crypto";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import sharp, { type Sharp } from "sharp";
import { AppError } from "../errors.js";
import { createPrivateFile } from "./private-file.js";
import { isFileSystemError } from "./staging.js";

export const THUMBNAIL_MAX = 320;
export const THUMBNAIL_TYPE = "image/webp";
// A 64-megapixel ceiling keeps a small but huge-dimensioned file from exhausting memory.
const MAX_PIXELS = 64_000_000;

export interface ImageInfo {
  width: number;
  height: number;
}

function open(path: string, animated: boolean): Sharp {
  return sharp(path, { limitInputPixels: MAX_PIXELS, animated, failOn: "error" });
}

/** Reads an image's dimensions (after orientation); throws if it cannot be decoded. */
async function imageInfo(path: string): Promise<ImageInfo> {
  const meta = await open(path, false).metadata();
  const width = meta.autoOrient?.width ?? meta.width;
  const height = meta.autoOrient?.height ?? meta.height;
  if (!width || !height) throw new Error("image has no dimensions");
  // The header alone is read here: refuse a declared size past the ceiling before decoding.
  if (width * height > MAX_PIXELS) throw new Error("image over the pixel limit");
  return { width, height };
}

/**
 * The image re-encoded in its own format with no metadata kept (sharp drops it unless
 * asked to keep it), as a stream of bytes.
 */
function cleanImage(path: string, contentType: string): Sharp {
  switch (contentType) {
    case "image/png":
      return open(path, false).autoOrient().png();
    case "image/gif":
      return open(path, true).gif();
    case "image/webp":
      return open(path, true).autoOrient().webp({ quality: 90 });
    default:
      return open(path, false).autoOrient().jpeg({ quality: 90 });
  }
}

/** A preview at most THUMBNAIL_MAX pixels on its longer side, as WebP. */
function thumbnail(path: string): Sharp {
  return open(path, false)
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

function invalidImage(): AppError {
  return new AppError("invalid_image", "the image could not be decoded (or is over 64 megapixels)");
}

/**
 * Reads, re-encodes and previews the image at `path` into new files in `dir`. Any
 * decoding failure (at the header, in the pixels, in a later frame) throws invalid_image;
 * on every failure nothing is left in `dir`.
 */
export async function prepareImage(
  path: string,
  contentType: string,
  dir: string,
): Promise<PreparedImage> {
  const file = join(dir, `${randomUUID()}.image`);
  const thumb = join(dir, `${randomUUID()}.thumb`);
  const discard = async () => {
    await rm(file, { force: true });
    await rm(thumb, { force: true });
  };
  const write = async (image: Sharp, target: string) =>
    pipeline(image, await createPrivateFile(target));
  try {
    const info = await imageInfo(path);
    await write(cleanImage(path, contentType), file);
    await write(thumbnail(path), thumb);
    return { info, file, thumbnail: thumb, discard };
  } catch (err) {
    await discard();
    throw isFileSystemError(err) ? err : invalidImage();
  }
}
