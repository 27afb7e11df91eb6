/**
 * The layout of the key backup's chunks (docs/E2EE.md, "History on a new device"), the
 * same in the terminal client and the browser: each chunk is one device's opened messages
 * of one conversation in a block of BLOCK consecutive seqs, split in parts when they do
 * not fit one chunk, so two devices of one person never write the same chunk. Its id is
 * derived from the backup key (chunkIdOf), and its plaintext is the JSON of ChunkContent.
 */

import { sha256 } from "@noble/hashes/sha2.js";
import { KEY_BACKUP_CHUNK_MAX_BYTES } from "@private-chat/protocol/key-backup";
import type { KeptMessage } from "./chat-state.js";
import { chunkIdOf } from "./key-backup.js";
import { toBase64Url } from "./register.js";

/** Seqs a chunk covers: small enough that a new message re-sends little. */
export const BLOCK = 64;
/** A chunk's plaintext at most: the sealed chunk adds a nonce and a tag. */
export const CHUNK_PLAINTEXT_MAX = KEY_BACKUP_CHUNK_MAX_BYTES - 64;

/**
 * An opened message as a chunk carries it: its text and sending device, and what it holds
 * (an edit, a reaction...) with its sender, so a restore folds it as it was read.
 */
export type BackedUpMessage = Extract<KeptMessage, { text: string }>;

/** A chunk's plaintext. */
export interface ChunkContent {
  v: 1;
  conversation_id: string;
  messages: Record<string, BackedUpMessage>;
}

/** Whether an opened chunk's JSON is a chunk's content (as this version reads it). */
export function isChunkContent(value: unknown): value is ChunkContent {
  const v = value as Partial<ChunkContent> | null;
  return (
    v?.v === 1 &&
    typeof v.conversation_id === "string" &&
    typeof v.messages === "object" &&
    v.messages !== null &&
    Object.values(v.messages).every(
      (m) => typeof m?.text === "string" && typeof m.device_id === "string",
    )
  );
}

/** The block of seqs a seq is in: one chunk's worth (or its parts). */
export const blockOf = (seq: string | number) => Math.floor(Number(seq) / BLOCK);

/** The id of a block's part: parts are numbered from 0 with no gap. */
export const partId = (
  key: Uint8Array,
  deviceId: string,
  conversationId: string,
  block: number,
  part: number,
) => chunkIdOf(key, [deviceId, conversationId, String(block), String(part)]);

/** What a chunk held when it left, as a device remembers it: SHA-256, base64url. */
export const chunkHash = (plaintext: Uint8Array) => toBase64Url(sha256(plaintext));

/**
 * The chunks of one conversation's opened messages, by id: each block of seqs in as few
 * parts as fit (`only`: of those blocks alone). A message too long for a chunk on its
 * own is left out (counted).
 */
export function chunksOf(
  key: Uint8Array,
  deviceId: string,
  conversationId: string,
  messages: Readonly<Record<string, KeptMessage>>,
  only?: ReadonlySet<number>,
): { chunks: Map<string, Uint8Array>; leftOut: number } {
  const blocks = new Map<number, [string, BackedUpMessage][]>();
  for (const [seq, kept] of Object.entries(messages)) {
    if (!("text" in kept)) continue;
    const block = blockOf(seq);
    if (only && !only.has(block)) continue;
    const list = blocks.get(block) ?? [];
    list.push([seq, kept]);
    blocks.set(block, list);
  }
  const chunks = new Map<string, Uint8Array>();
  let leftOut = 0;
  const encoder = new TextEncoder();
  const encode = (entries: [string, BackedUpMessage][]) =>
    encoder.encode(
      JSON.stringify({
        v: 1,
        conversation_id: conversationId,
        messages: Object.fromEntries(entries),
      } satisfies ChunkContent),
    );
  // A part's size is added up entry by entry (each `"seq":{...}` and its comma), not
  // encoded again for each message: a block of 64 stays linear.
  const overhead = encode([]).length;
  const sizeOf = ([seq, message]: [string, BackedUpMessage]) =>
    encoder.encode(`${JSON.stringify(seq)}:${JSON.stringify(message)}`).length + 1;
  for (const [block, entries] of blocks) {
    entries.sort(([a], [b]) => Number(a) - Number(b));
    let part: [string, BackedUpMessage][] = [];
    let size = overhead - 1;
    let parts = 0;
    const flush = () => {
      if (part.length === 0) return;
      chunks.set(partId(key, deviceId, conversationId, block, parts++), encode(part));
      part = [];
      size = overhead - 1;
    };
    for (const entry of entries) {
      const bytes = sizeOf(entry);
      if (overhead + bytes - 1 > CHUNK_PLAINTEXT_MAX) {
        leftOut++;
        continue;
      }
      if (size + bytes > CHUNK_PLAINTEXT_MAX) flush();
      part.push(entry);
      size += bytes;
    }
    flush();
  }
  return { chunks, leftOut };
}

/** What an upload of one conversation lays out, and the chunks it removes. */
export interface UploadPlan {
  chunks: Map<string, Uint8Array>;
  leftOut: number;
  /** Uploaded chunks that hold nothing any more. */
  stale: string[];
}

/**
 * The chunks to compare with `held` (what the server holds, by hash) and those to
 * remove: every block's when what changed is not known, otherwise those of the blocks
 * of the changed seqs alone, whose parts past the last one made are the stale ones.
 */
export function planOf(
  key: Uint8Array,
  deviceId: string,
  conversationId: string,
  kept: { messages: Readonly<Record<string, KeptMessage>>; changed?: ReadonlySet<string> },
  held: Readonly<Record<string, string>>,
): UploadPlan {
  const blocks = kept.changed && new Set([...kept.changed].map(blockOf));
  const { chunks, leftOut } = chunksOf(key, deviceId, conversationId, kept.messages, blocks);
  if (!blocks) return { chunks, leftOut, stale: Object.keys(held).filter((id) => !chunks.has(id)) };
  const stale: string[] = [];
  for (const block of blocks)
    for (let part = 0; ; part++) {
      const id = partId(key, deviceId, conversationId, block, part);
      if (chunks.has(id)) continue;
      if (!(id in held)) break;
      stale.push(id);
    }
  return { chunks, leftOut, stale };
}
