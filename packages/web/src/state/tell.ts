/**
 * Telling the person what arrives live: a new message from someone else announced to
 * screen readers and, on a hidden page, notified, as the conversation's preference says
 * (a reply in its thread alone only to the thread's followers; a mention under
 * "mentions"); and which threads the person follows, as learnt meanwhile. A message of
 * an encrypted conversation is told with its plaintext where this browser's device opens
 * it (e2ee/preview.ts), as sealed elsewhere; an edit or a reaction there, not at all.
 */

import { plainText } from "@private-chat/protocol/markup";
import { levelNow } from "@private-chat/protocol/notifications";
import { shownText } from "@private-chat/protocol/sealed-text";
import {
  isHiddenMessage,
  isThreadOnly,
  type MessageView,
  type StoredEvent,
} from "@private-chat/sdk";
import { api, getSocket } from "../api.js";
import { previewMessage } from "../e2ee/preview.js";
import { conversationTitle, memberName } from "../format.js";
import { notifyInBackground } from "../notify.js";
import { blockedIds, type Conv, chat } from "./chat.js";
import { announce } from "./notices.js";

/** Tells what `event`, already applied to the chat state, brings the person. */
export function tellEvent(event: StoredEvent): void {
  const state = chat.get();
  // A message deleted since is replayed by sync as its tombstone: nothing to tell.
  if (
    event.type === "message.new" &&
    !event.message.deleted &&
    event.message.sender_id !== state.me?.id &&
    getSocket()?.state === "open"
  ) {
    const conv = state.convs[event.conversation_id];
    if (conv && isHiddenMessage(event.message, blockedIds(state.blocked), conv.type)) return;
    // A reply in its thread alone is told only to those following the thread.
    const rootId = event.message.thread_id;
    if (rootId && isThreadOnly(event.message)) {
      if (conv) void tellFollower(conv, rootId, event.message);
      return;
    }
    if (conv?.encrypted && event.message.mls && state.me)
      void tellOpened(state.me.id, conv, event.message);
    else tellNew(conv, event.message, shownText(event.message), event.message.body);
  }
  if (event.type === "thread.followed") remember(event.root_id, event.following);
  // Replying follows the thread.
  if (
    event.type === "message.new" &&
    event.message.thread_id &&
    event.message.sender_id === state.me?.id
  )
    remember(event.message.thread_id, true);
  // Mentions reach only the one mentioned.
  if (event.type === "mention") {
    const cid = event.conversation_id;
    const conv = state.convs[cid];
    const message = state.timelines[cid]?.messages.find((m) => m.id === event.message_id);
    if (conv && message && levelNow(conv.notifications) === "mentions") notifyHidden(conv, message);
  }
}

/** `text` is the line announced, `words` what a notification shows (it drops formatting). */
function tellNew(conv: Conv | undefined, message: MessageView, text: string, words: string): void {
  const me = chat.get().me?.id;
  const where = conv?.type === "group" ? ` in ${conversationTitle(conv, me)}` : "";
  announce(`${memberName(conv, message.sender_id)}${where}: ${text}`);
  // Hidden page: a notification, unless a push showed this message already or the
  // conversation's preference keeps it quiet (a mention under "mentions" is told below).
  if (conv && levelNow(conv.notifications) === "all") notifyHidden(conv, message, words);
}

/** An encrypted message, once this browser's device opened it (or found it cannot). */
async function tellOpened(userId: string, conv: Conv, message: MessageView): Promise<void> {
  const preview = await previewMessage(userId, conv, message);
  if (preview?.change) return;
  const sealed = shownText(message);
  tellNew(conv, message, preview ? plainText(preview.line) : sealed, preview?.line ?? sealed);
}

/**
 * Whether the user follows threads not opened here, as learnt: for a minute, since
 * being mentioned or another device's reply follows a thread without telling this one.
 */
const followsKnown = new Map<string, { following: boolean; until: number }>();
function remember(rootId: string, following: boolean): void {
  if (followsKnown.size >= 1000) followsKnown.clear();
  followsKnown.set(rootId, { following, until: Date.now() + 60_000 });
}

/** The session ended: what was learnt goes with it. */
export function forgetFollows(): void {
  followsKnown.clear();
}

/** A thread-only reply: told as any message when the user follows its thread. */
async function tellFollower(conv: Conv, rootId: string, message: MessageView): Promise<void> {
  const opened = chat.get().threads[rootId];
  if (opened) {
    if (opened.following) tell(conv, message);
    return;
  }
  // Only a hidden page asks the server (once a minute per thread): it may notify.
  const known = followsKnown.get(rootId);
  if (known && known.until > Date.now()) {
    if (known.following) tell(conv, message);
    return;
  }
  if (document.visibilityState === "visible") return;
  const following = await api.thread(rootId, { limit: 1 }).then(
    (page) => page.following,
    () => false,
  );
  remember(rootId, following);
  if (following) tell(conv, message);
}

function tell(conv: Conv, message: MessageView): void {
  announce(`${memberName(conv, message.sender_id)} in a thread: ${shownText(message)}`);
  if (levelNow(conv.notifications) === "all") notifyHidden(conv, message);
}

/** `words`: the message's, or what stands for them (sealed, or opened on this device). */
function notifyHidden(
  conv: Conv,
  message: MessageView,
  words = message.mls ? shownText(message) : message.body,
): void {
  const me = chat.get().me?.id;
  void notifyInBackground({
    conversation_id: conv.id,
    message_id: message.id,
    title: conversationTitle(conv, me),
    sender_name: memberName(conv, message.sender_id),
    text: words,
    group: conv.type === "group",
  }).catch(() => undefined);
}
