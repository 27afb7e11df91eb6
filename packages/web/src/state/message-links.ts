/**
 * Links to messages: copying one to share, and opening one. Opening asks the server for the
 * message, so a link works in a fresh tab before any history is loaded, and gives the
 * same "not found" whether the message never existed, was deleted, or is out of the
 * reader's sight (not a member, or sent outside their membership): the server answers
 * 404 for all but deleted messages, whose tombstone is no more use to a link.
 */
import { ApiError, isThreadOnly, type MessageView } from "@private-chat/sdk";
import { api, errorText } from "../api.js";
import { messageUrl } from "../router.js";
import { toast } from "./notices.js";
import type { RevealTarget } from "./search.js";

export type LinkOutcome =
  | { kind: "found"; target: RevealTarget }
  /** A reply in its thread alone: the link opens that thread there. */
  | { kind: "in-thread"; rootId: string; target: RevealTarget }
  | { kind: "not-found" }
  | { kind: "failed"; error: string };

export async function resolveMessageLink(
  conversationId: string,
  messageId: string,
): Promise<LinkOutcome> {
  if (!conversationId || !messageId) return { kind: "not-found" };
  try {
    const message = await api.message(messageId);
    // A link whose conversation is not the message's is as broken as one to nothing.
    if (message.deleted || message.conversation_id !== conversationId) return { kind: "not-found" };
    const target: RevealTarget = { conversationId, messageId, seq: message.seq };
    if (message.thread_id && isThreadOnly(message)) {
      const thread = { rootId: message.thread_id, threadSeq: message.thread_seq ?? 0 };
      return { kind: "in-thread", rootId: thread.rootId, target: { ...target, thread } };
    }
    return { kind: "found", target };
  } catch (err) {
    // 400 is an id the server cannot even look up (too long): a malformed link.
    if (err instanceof ApiError && (err.status === 404 || err.status === 400))
      return { kind: "not-found" };
    return { kind: "failed", error: errorText(err) };
  }
}

/** Puts the message's address on the clipboard; the toast says so (and is announced). */
export async function copyMessageLink(message: MessageView): Promise<void> {
  const url = messageUrl(message.conversation_id, message.id, location.href);
  try {
    // Missing outside secure contexts (plain http on another host than localhost).
    if (!navigator.clipboard) throw new Error("no clipboard");
    await navigator.clipboard.writeText(url);
    toast("Link copied");
  } catch {
    toast(`Couldn't copy the link: ${url}`);
  }
}
