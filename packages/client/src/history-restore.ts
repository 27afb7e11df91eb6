/**
 * Restoring the key backup on this installation (docs/E2EE.md, "History on a new
 * device"): every chunk opened under the backup key, and the messages this device could
 * not read (sent before it joined) filled in from them. Each conversation is first
 * brought up to date on this device (joined, when a member's device added it), and only
 * what the server still holds is filled in: a message deleted since a chunk was written
 * stays deleted, whichever device's stale copy still has it.
 */
import { type ApiClient, ApiError, type ConversationView } from "@private-chat/sdk";
import { ChunkRefused, openChunk } from "@private-chat/sdk/mls";
import { encryptedChat } from "./encrypted-chat.js";
import { withConversationState } from "./encrypted-store.js";
import { CliError } from "./errors.js";
import type { BackedUpMessage, ChunkContent } from "./history-backup.js";
import type { Io } from "./io.js";

const PAGE = 100;

export interface RestoreResult {
  chunks: number;
  /** Chunks that did not open or hold no history: damaged, or written under another key. */
  damaged: number;
  conversations: number;
  messages: number;
  /** Conversations the backup has that this device is not in (yet): why, by id. */
  skipped: Record<string, string>;
}

function isContent(value: unknown): value is ChunkContent {
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

/** Every chunk of the backup, opened and gathered by conversation and seq. */
async function readChunks(
  api: ApiClient,
  key: Uint8Array,
  result: RestoreResult,
): Promise<Map<string, Map<number, BackedUpMessage>>> {
  const byConversation = new Map<string, Map<number, BackedUpMessage>>();
  for (const { id } of await api.keyBackup.allChunks()) {
    result.chunks++;
    let content: unknown;
    try {
      const chunk = await api.keyBackup.getChunk(id);
      content = JSON.parse(new TextDecoder().decode(openChunk(key, id, chunk.data)));
    } catch (err) {
      // Removed by another device since the list was read: nothing to restore from it.
      if (err instanceof ApiError && err.code === "not_found") continue;
      if (!(err instanceof ChunkRefused || err instanceof SyntaxError)) throw err;
    }
    if (!isContent(content)) {
      result.damaged++;
      continue;
    }
    const messages = byConversation.get(content.conversation_id) ?? new Map();
    for (const [seq, message] of Object.entries(content.messages))
      if (Number.isSafeInteger(Number(seq))) messages.set(Number(seq), message);
    byConversation.set(content.conversation_id, messages);
  }
  return byConversation;
}

/** The conversation, or why this device cannot restore into it. */
async function conversationFor(api: ApiClient, id: string): Promise<ConversationView | string> {
  try {
    const conversation = await api.conversation(id);
    return conversation.encrypted ? conversation : "not an encrypted conversation";
  } catch (err) {
    if (err instanceof ApiError && (err.code === "not_found" || err.code === "forbidden"))
      return "you are no longer in it";
    throw err;
  }
}

/**
 * The seqs of `wanted` the server still holds as messages, reading history from the
 * first; each page is also shown to the device's group, which brings it up to date.
 */
async function stillHeld(
  api: ApiClient,
  chat: Awaited<ReturnType<typeof encryptedChat>>,
  wanted: readonly number[],
): Promise<Set<number>> {
  const held = new Set<number>();
  const last = Math.max(...wanted);
  let after = Math.min(...wanted) - 1;
  for (;;) {
    const page = await api.history(chat.conversation.id, { after, limit: PAGE });
    if (page.length > 0) await chat.reveal(page);
    for (const m of page)
      if (!m.deleted && m.mls?.kind === "application" && m.seq <= last) held.add(m.seq);
    const end = page.at(-1)?.seq;
    if (page.length < PAGE || end === undefined || end >= last) return held;
    after = end;
  }
}

/** What filling in found: the conversations and messages filled, and those skipped. */
export type FillResult = Pick<RestoreResult, "conversations" | "messages" | "skipped">;

/**
 * Fills in, conversation by conversation, the messages given (by seq) that this device
 * could not read, keeping only those the server still holds undeleted: the key backup's
 * restore and history shared from another device (history-share.ts) both end here.
 */
export async function fillHistory(
  api: ApiClient,
  userId: string,
  byConversation: Map<string, Map<number, BackedUpMessage>>,
  io: Io,
  result: FillResult = { conversations: 0, messages: 0, skipped: {} },
): Promise<FillResult> {
  for (const [conversationId, backedUp] of byConversation) {
    const conversation = await conversationFor(api, conversationId);
    if (typeof conversation === "string") {
      result.skipped[conversationId] = conversation;
      continue;
    }
    let held: Set<number>;
    try {
      const chat = await encryptedChat(api, userId, conversation, io);
      held = await stillHeld(api, chat, [...backedUp.keys()]);
    } catch (err) {
      if (!(err instanceof CliError) || err.code === "refused") throw err;
      result.skipped[conversationId] = err.message;
      continue;
    }
    const filled = await withConversationState(userId, conversationId, async (state) => {
      if (!state) return { state: undefined, result: 0 };
      let count = 0;
      for (const [seq, message] of backedUp) {
        const mine = state.messages[seq];
        if (!held.has(seq) || (mine && "text" in mine)) continue;
        state.messages[seq] = message;
        count++;
      }
      return { state: count > 0 ? state : undefined, result: count };
    });
    result.conversations++;
    result.messages += filled;
  }
  return result;
}

export async function restoreHistory(
  api: ApiClient,
  userId: string,
  key: Uint8Array,
  io: Io,
): Promise<RestoreResult> {
  const result: RestoreResult = {
    chunks: 0,
    damaged: 0,
    conversations: 0,
    messages: 0,
    skipped: {},
  };
  await fillHistory(api, userId, await readChunks(api, key, result), io, result);
  return result;
}
