/**
 * Links to messages: copying one to share, and opening one. Opening asks the server for the
 * message, so a link works in a fresh tab before any history is loaded, and gives the
 * same "not found" whether the message never existed, was deleted, or is out of the
 * reader's sight (not a member, or sent outside their membership): the server answers
 * 404 for all but deleted messages, whose tombstone is no more use to a link. A reply in
 * an encrypted thread is known to be one once this browser's device opened it.
 */
import { ApiError, isThreadOnly, type MessageView } from "@private-chat/sdk";
import { api, errorText } from "../api.js";
import { deviceHere, deviceOf, lookForDevice, opened, openMessages } from "../e2ee/opened.js";
import { messageUrl } from "../router.js";
import { session } from "./live.js";
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
    const sealedRoot =
      message.mls?.kind === "application" ? await encryptedThreadRoot(message) : undefined;
    if (sealedRoot) {
      // Its panel loads the history back to the root, so the reply's seq is all it needs.
      const thread = { rootId: sealedRoot, threadSeq: 0 };
      return { kind: "in-thread", rootId: sealedRoot, target: { ...target, thread } };
    }
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

/**
 * The root of the thread an encrypted message replies in, as this browser's device reads
 * it (the server cannot tell: a reply names its root inside the ciphertext), opening the
 * message first in a tab that has not; undefined for none, and on a browser that is not
 * one of the person's devices.
 */
async function encryptedThreadRoot(message: MessageView): Promise<string | undefined> {
  const rootOf = () => {
    const read = opened.get()[message.id];
    return read && "text" in read ? read.thread_root : undefined;
  };
  const user = session.get().user;
  if (!user || message.id in opened.get()) return rootOf();
  const device = deviceOf(deviceHere.get(), user.id) ?? (await lookForDevice(user.id));
  if (!device) return undefined;
  await openMessages(user.id, await api.conversation(message.conversation_id), [message]);
  return rootOf();
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
