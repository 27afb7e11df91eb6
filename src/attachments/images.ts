/**
 * Images: re-encoded without their metadata (EXIF with GPS positions, XMP, comments),
 * with the camera's orientation applied to the pixels, and a small preview.
 */
import sharp, { type Sharp } from "sharp";

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
export async function imageInfo(path: string): Promise<ImageInfo> {
  const meta = await open(path, false).metadata();
  const width = meta.autoOrient?.width ?? meta.width;
  const height = meta.autoOrient?.height ?? meta.height;
  if (!width || !height) throw new Error("image has no dimensions");
  return { width, height };
}

/**
 * The image re-encoded in its own format with no metadata kept (sharp drops it unless
 * asked to keep it), as a stream of bytes.
 */
export function cleanImage(path: string, contentType: string): Sharp {
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
export function thumbnail(path: string): Sharp {
  return open(path, false)
    .autoOrient()
    .resize(THUMBNAIL_MAX, THUMBNAIL_MAX, { fit: "inside", withoutEnlargement: true })
    .webp({ quality: 75 });
}
