/**
 * Restoring the key backup on a device (docs/E2EE.md, "History on a new device"), the
 * same in the terminal client and the browser: every chunk opened under the backup key,
 * and the messages this device could not read (sent before it joined) filled in from
 * them. Each conversation is first brought up to date on this device (joined, when a
 * member's device added it), and only what the server still holds is filled in: a
 * message deleted since a chunk was written stays deleted, whichever device's stale copy
 * still has it.
 */
import type { ConversationView, MessageView } from "@private-chat/protocol/chat";
import type { HistoryArchive } from "@private-chat/protocol/history-shares";
import { ApiError, EncryptedChatError } from "../errors.js";
import type { ApiClient } from "../rest.js";
import type { ConversationStates } from "./chat-state.js";
import { type BackedUpMessage, isChunkContent } from "./history-chunks.js";
import { ChunkRefused, openChunk } from "./key-backup.js";

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

/** The device a restore fills: its conversations' chats, and where it keeps their states. */
export interface RestoreTarget {
  /**
   * The conversation's chat on this device; reading messages brings its state up to date
   * (joining the group from its welcome first, when the device has no state yet).
   */
  chatOf(
    conversation: ConversationView,
  ): Promise<{ read(messages: MessageView[]): Promise<unknown> }>;
  states: ConversationStates;
}

/** Messages by conversation and seq, as fillHistory takes them. */
export type HistoryByConversation = Map<string, Map<number, BackedUpMessage>>;

/**
 * Adds one conversation's messages, keyed by seq as a chunk or an archive carries them
 * (a key that is no seq is passed over), to what `into` holds of it.
 */
function gather(
  into: HistoryByConversation,
  conversationId: string,
  messages: Readonly<Record<string, BackedUpMessage>>,
): void {
  const bySeq = into.get(conversationId) ?? new Map<number, BackedUpMessage>();
  for (const [seq, message] of Object.entries(messages))
    if (Number.isSafeInteger(Number(seq))) bySeq.set(Number(seq), message);
  into.set(conversationId, bySeq);
}

/**
 * The messages of history shared from another device (history-share-flow.ts's
 * takeHistoryShares) by conversation and seq, as fillHistory takes them.
 */
export function historyOfArchive(archive: HistoryArchive): HistoryByConversation {
  const out: HistoryByConversation = new Map();
  // A shared message is a kept one with its text: the archive's schema says so.
  for (const [conversationId, messages] of Object.entries(archive.conversations))
    gather(out, conversationId, messages as Record<string, BackedUpMessage>);
  return out;
}

/** Every chunk of the backup, opened and gathered by conversation and seq. */
async function readChunks(
  api: ApiClient,
  key: Uint8Array,
  result: RestoreResult,
): Promise<HistoryByConversation> {
  const byConversation: HistoryByConversation = new Map();
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
    if (!isChunkContent(content)) {
      result.damaged++;
      continue;
    }
    gather(byConversation, content.conversation_id, content.messages);
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
 * first; each page is also read by the device's chat, which brings its state up to date.
 */
async function stillHeld(
  api: ApiClient,
  conversationId: string,
  chat: { read(messages: MessageView[]): Promise<unknown> },
  wanted: readonly number[],
): Promise<Set<number>> {
  const held = new Set<number>();
  const last = Math.max(...wanted);
  let after = Math.min(...wanted) - 1;
  for (;;) {
    const page = await api.history(conversationId, { after, limit: PAGE });
    if (page.length > 0) await chat.read(page);
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
 * Fills in, in each conversation this device is in, the messages given (by seq) that it
 * holds no plaintext of, keeping only those the server still holds undeleted: the key
 * backup's restore and history shared from another device (history-share-flow.ts, its
 * archives by historyOfArchive) both end here. A conversation the device cannot read yet
 * (not added to its group, nobody else with a device) is skipped, with why; one whose
 * keys refuse to move on (`refused`) stops it, as it stops reading.
 */
export async function fillHistory(
  api: ApiClient,
  byConversation: HistoryByConversation,
  target: RestoreTarget,
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
      const chat = await target.chatOf(conversation);
      held = await stillHeld(api, conversationId, chat, [...backedUp.keys()]);
    } catch (err) {
      if (!(err instanceof EncryptedChatError) || err.code === "refused") throw err;
      result.skipped[conversationId] = err.message;
      continue;
    }
    const filled = await target.states.withState(conversationId, async (state) => {
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

/** Opens the backup's chunks under `key` and fills in what this device could not read. */
export async function restoreBackup(
  api: ApiClient,
  key: Uint8Array,
  target: RestoreTarget,
): Promise<RestoreResult> {
  const result: RestoreResult = {
    chunks: 0,
    damaged: 0,
    conversations: 0,
    messages: 0,
    skipped: {},
  };
  await fillHistory(api, await readChunks(api, key, result), target, result);
  return result;
}
