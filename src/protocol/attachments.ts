/**
 * Attachments on the wire: the view of an uploaded file that upload answers with and
 * messages carry, shared with every client.
 */
export const MAX_ATTACHMENTS_PER_MESSAGE = 10;

/** Image types shown inline; anything else downloads as a file. Never SVG (it runs script). */
export const INLINE_IMAGE_TYPES = ["image/png", "image/jpeg", "image/gif", "image/webp"] as const;

export interface AttachmentView {
  id: string;
  name: string;
  /** Bytes as stored (images are re-encoded without metadata). */
  size: number;
  /** Sniffed from the bytes; what the uploader claimed is ignored. */
  content_type: string;
  width?: number;
  height?: number;
  /** True when GET /attachments/:id/thumbnail has a small preview. */
  thumbnail?: true;
}

export function isInlineImage(contentType: string): boolean {
  return (INLINE_IMAGE_TYPES as readonly string[]).includes(contentType);
}
