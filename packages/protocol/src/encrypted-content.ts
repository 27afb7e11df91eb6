/**
 * What an end-to-end encrypted application message holds once opened (docs/E2EE.md, "The
 * content of an encrypted message"). The server never reads it, so replies, threads, edits
 * and reactions travel inside it as messages of their own, pointing at another message of
 * the conversation by its seq, and the devices fold them.
 *
 * On the wire the plaintext is either raw UTF-8 text (words alone, as devices sent them
 * before this format, so those messages still open and older devices still show new
 * ones) or the byte
 * 0x00, which typed text does not start with, followed by one JSON object with a `kind`.
 * A kind this version does not know, or a known one that does not parse, opens as
 * `unknown`: a newer device's message is kept and said to be one this version cannot
 * show, never a failure. Fields a version does not know are ignored, so a kind can grow.
 */
import { z } from "zod/mini";
import { MAX_ATTACHMENTS_PER_MESSAGE } from "./attachments.js";
import { MAX_EMOJI_LENGTH, MAX_MESSAGE_BODY } from "./chat.js";
import { isReactionEmoji } from "./emoji.js";
import { MAX_MLS_BYTES } from "./encrypted.js";

/** The first byte of an envelope; anything else is legacy raw text. */
export const CONTENT_MARKER = 0x00;
/**
 * The most bytes an encoded content may take: inside the largest MLS message a send
 * carries, with room for its header, signature, tag and padding.
 */
export const MAX_CONTENT_BYTES = MAX_MLS_BYTES - 16 * 1024;

/** A message of the conversation, by its place in the sequence. */
const seq = z.int().check(z.minimum(1));
const body = z.string().check(z.minLength(1), z.maxLength(MAX_MESSAGE_BODY));

/** Base64url without padding of exactly `n` bytes. */
const base64urlOf = (n: number) =>
  z.string().check(z.length(Math.ceil((n * 4) / 3)), z.regex(/^[A-Za-z0-9_-]*$/));

/** The longest file name a file reference carries, in UTF-16 units (the server's is 255 characters). */
export const MAX_FILE_NAME = 512;
/** The longest MIME type a file reference carries. */
export const MAX_FILE_TYPE = 255;

/**
 * A file sent with a message (docs/E2EE.md, "Encrypted attachments"): the upload that
 * holds its ciphertext, and what opens and checks it. The server stores the upload
 * under a neutral name; the real name, type and size travel only here.
 */
export const encryptedFile = z.object({
  /** The upload (POST /conversations/:id/attachments) holding the ciphertext. */
  attachment_id: z.string().check(z.minLength(1), z.maxLength(64)),
  /** The file's own AES-256-GCM key, fresh for this file. */
  key: base64urlOf(32),
  /** The 96-bit GCM nonce. */
  iv: base64urlOf(12),
  name: z.string().check(z.minLength(1), z.maxLength(MAX_FILE_NAME)),
  /** Its MIME type, as the sender's device named it. */
  type: z.string().check(z.maxLength(MAX_FILE_TYPE)),
  /** The plaintext's length in bytes (the ciphertext has the 16-byte tag more). */
  size: z.int().check(z.minimum(0), z.maximum(Number.MAX_SAFE_INTEGER)),
  /** The plaintext's SHA-256, lowercase hex: checked after decryption. */
  sha256: z.string().check(z.regex(/^[0-9a-f]{64}$/)),
});
export type EncryptedFile = z.infer<typeof encryptedFile>;

/**
 * A message's words, maybe a reply to one message or a reply in one thread (its root),
 * maybe with files; with files the words may be empty, as a plain message's may.
 */
export const textContent = z
  .object({
    kind: z.literal("text"),
    body: z.string().check(z.maxLength(MAX_MESSAGE_BODY)),
    reply_to: z.optional(seq),
    thread_root: z.optional(seq),
    files: z.optional(
      z.array(encryptedFile).check(z.minLength(1), z.maxLength(MAX_ATTACHMENTS_PER_MESSAGE)),
    ),
  })
  .check(z.refine((t) => t.body !== "" || t.files !== undefined, "a text without files has words"));
export type TextContent = z.infer<typeof textContent>;

/** New words for `target`, a text message of the same sender. */
export const editContent = z.object({ kind: z.literal("edit"), target: seq, body });
export type EditContent = z.infer<typeof editContent>;

/** One person's reaction to `target`, added or taken back. */
export const reactionContent = z
  .object({
    kind: z.literal("reaction"),
    target: seq,
    // Taking one back accepts any text the server's own reactions accept, as it does.
    emoji: z.string().check(z.minLength(1), z.maxLength(MAX_EMOJI_LENGTH * 4)),
    action: z.enum(["added", "removed"]),
  })
  .check(
    z.refine(
      (r) => r.action === "removed" || isReactionEmoji(r.emoji),
      "a reaction is exactly one emoji",
    ),
  );
export type ReactionContent = z.infer<typeof reactionContent>;

/** What a device sends. */
export const encryptedContent = z.discriminatedUnion("kind", [
  textContent,
  editContent,
  reactionContent,
]);
export type EncryptedContent = z.infer<typeof encryptedContent>;

/** A message of a kind this version cannot show (a newer device's); `type` is its kind. */
export interface UnknownContent {
  kind: "unknown";
  type: string;
}

/** What a device reads. */
export type OpenedContent = EncryptedContent | UnknownContent;

/** Why a content is refused before it is encrypted: the server's codes for plain text. */
export interface ContentProblem {
  code: "body_empty" | "body_too_long" | "invalid_content";
  message: string;
}

/**
 * What is wrong with `content`, or undefined: `maxBodyChars` is the server's limit on a
 * message's text (`max_body_chars`), counted in characters as the server counts them.
 */
export function contentProblem(
  content: EncryptedContent,
  maxBodyChars = MAX_MESSAGE_BODY,
): ContentProblem | undefined {
  const filesAlone = content.kind === "text" && content.files !== undefined && content.body === "";
  if ((content.kind === "text" || content.kind === "edit") && !filesAlone) {
    if (content.body.trim() === "") return { code: "body_empty", message: "the message is empty" };
    const length = [...content.body].length;
    if (length > maxBodyChars)
      return {
        code: "body_too_long",
        message: `a message is at most ${maxBodyChars} characters (this one has ${length})`,
      };
  }
  const parsed = encryptedContent.safeParse(content);
  if (!parsed.success)
    return { code: "invalid_content", message: parsed.error.issues[0]?.message ?? "invalid" };
  if (encoded(parsed.data).length > MAX_CONTENT_BYTES)
    return {
      code: "body_too_long",
      message: `an encrypted message is at most ${MAX_CONTENT_BYTES} bytes once encoded`,
    };
  return undefined;
}

function encoded(content: EncryptedContent): Uint8Array {
  // Words alone go as raw text, as before the envelope: a device of an earlier version
  // still shows them, and they take fewer bytes.
  if (isPlainText(content)) return new TextEncoder().encode(content.body);
  const json = new TextEncoder().encode(JSON.stringify(content));
  const bytes = new Uint8Array(json.length + 1);
  bytes[0] = CONTENT_MARKER;
  bytes.set(json, 1);
  return bytes;
}

function isPlainText(content: EncryptedContent): content is TextContent {
  return (
    content.kind === "text" &&
    content.reply_to === undefined &&
    content.thread_root === undefined &&
    content.files === undefined &&
    content.body !== "" &&
    content.body.charCodeAt(0) !== CONTENT_MARKER
  );
}

/** The plaintext of `content`; throws what contentProblem says first. */
export function encodeContent(content: EncryptedContent): Uint8Array {
  const problem = contentProblem(content);
  if (problem) throw new Error(problem.message);
  return encoded(encryptedContent.parse(content));
}

/** An envelope's object (or a kept copy of it) as this version reads it. */
export function readContent(value: unknown): OpenedContent {
  const parsed = encryptedContent.safeParse(value);
  if (parsed.success) return parsed.data;
  const kind = (value as { kind?: unknown } | null)?.kind;
  return { kind: "unknown", type: typeof kind === "string" ? kind.slice(0, 64) : "" };
}

/** What a plaintext holds: legacy raw text, or the envelope's content. */
export function decodeContent(plaintext: Uint8Array): OpenedContent {
  if (plaintext[0] !== CONTENT_MARKER)
    return { kind: "text", body: new TextDecoder().decode(plaintext) };
  try {
    return readContent(JSON.parse(new TextDecoder().decode(plaintext.subarray(1))));
  } catch {
    return { kind: "unknown", type: "" };
  }
}
