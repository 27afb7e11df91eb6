/**
 * What a file really is, judged from its first bytes. The uploader's claimed type is
 * never trusted: a page declared as an image must not be served as one.
 */
import { fileTypeFromBuffer } from "file-type";

/** Enough bytes for every signature file-type knows. */
export const SNIFF_BYTES = 4100;

const OCTET_STREAM = "application/octet-stream";
export const PLAIN_TEXT = "text/plain; charset=utf-8";

/** UTF-8 without NUL or most control characters reads as text. */
function looksLikeText(head: Uint8Array): boolean {
  if (head.length === 0) return false;
  let text: string;
  try {
    // `stream` tolerates a character cut in half at the end of the sample.
    text = new TextDecoder("utf-8", { fatal: true }).decode(head, { stream: true });
  } catch {
    return false;
  }
  // Tab, line feed, carriage return and form feed are text; other C0 controls are not.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point.
  return !/[\u0000-\u0008\u000b\u000e-\u001f\u007f]/.test(text);
}

/** The content type of a file whose first bytes are `head`. */
export async function sniffContentType(head: Uint8Array): Promise<string> {
  const detected = await fileTypeFromBuffer(head);
  if (detected) return detected.mime;
  return looksLikeText(head) ? PLAIN_TEXT : OCTET_STREAM;
}
