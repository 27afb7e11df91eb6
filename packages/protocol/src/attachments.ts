/**
 * Attachments on the wire: the view of an uploaded file that upload answers with and
 * messages carry, shared with every client.
 */
import { z } from "zod/mini";

export const MAX_ATTACHMENTS_PER_MESSAGE = 10;

/** Image types shown inline; anything else downloads as a file. Never SVG (it runs script). */
export const INLINE_IMAGE_TYPES = ["image/png", "image/jpeg", "image/gif", "image/webp"] as const;

export const attachmentView = z
  .object({
    id: z.string(),
    name: z.string(),
    /** Bytes as stored (images are re-encoded without metadata). */
    size: z.number(),
    /** Sniffed from the bytes; what the uploader claimed is ignored. */
    content_type: z.string(),
    width: z.optional(z.number()),
    height: z.optional(z.number()),
    /** True when GET /attachments/:id/thumbnail has a small preview. */
    thumbnail: z.optional(z.literal(true)),
  })
  .register(z.globalRegistry, { id: "Attachment" });
export type AttachmentView = z.infer<typeof attachmentView>;

/**
 * The download's header, `true` on an end-to-end encrypted conversation's file: ciphertext
 * whose key only its message holds (absent on any other file).
 */
export const ENCRYPTED_FILE_HEADER = "x-chat-encrypted";

export function isInlineImage(contentType: string): boolean {
  return (INLINE_IMAGE_TYPES as readonly string[]).includes(contentType);
}
