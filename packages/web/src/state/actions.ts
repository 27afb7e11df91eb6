/**
 * What the user does besides sending: page through history, edit, delete, react, and
 * manage conversations. REST answers are applied at once; the matching events that
 * follow change nothing more.
 */
import type { CreateConversationBody } from "@private-chat/protocol/chat";
import type { ConversationView, MessageView } from "@private-chat/sdk";
import { api, errorText, isAuthError } from "../api.js";
import { changeOnThisBrowser, openMessages, setUpOnThisBrowser } from "../e2ee/opened.js";
import { chat, type Timeline } from "./chat.js";
import { end } from "./live.js";
import { refreshTimeline } from "./local-copy.js";
import { noteOpened } from "./local-store.js";
import { toast } from "./notices.js";
import { mergeConversations, mergePage, removeConversation, upsertMessage } from "./reduce.js";

export const PAGE = 50;

export function failed(err: unknown): void {
  if (isAuthError(err)) end("Your session has ended. Please sign in again.");
  else toast(errorText(err));
}

function setTimeline(id: string, fn: (t: Timeline) => Timeline): void {
  chat.update((s) => {
    const current = s.timelines[id] ?? {
      messages: [],
      hasOlder: true,
      loading: false,
      error: null,
    };
    return { ...s, timelines: { ...s.timelines, [id]: fn(current) } };
  });
}

async function loadPage(id: string, before: number | undefined): Promise<void> {
  setTimeline(id, (t) => ({ ...t, loading: true, error: null }));
  try {
    const page = await api.history(id, { limit: PAGE, ...(before ? { before } : {}) });
    setTimeline(id, (t) => ({
      ...t,
      messages: mergePage(t.messages, page),
      hasOlder: page.length === PAGE,
      loading: false,
    }));
  } catch (err) {
    setTimeline(id, (t) => ({ ...t, loading: false, error: errorText(err) }));
  }
}

/**
 * Loads the newest page of a conversation the first time it is opened, or when what shows
 * came from the local copy.
 */
export function openTimeline(id: string): void {
  noteOpened(id);
  const timeline = chat.get().timelines[id];
  if (!timeline || (timeline.error && timeline.messages.length === 0)) void loadPage(id, undefined);
  else if (timeline.stale && !timeline.loading) void refreshStale(id);
}

async function refreshStale(id: string): Promise<void> {
  // Offline the kept messages stay as they are (the banner says so), with no error.
  if (!navigator.onLine) return;
  setTimeline(id, (t) => ({ ...t, loading: true }));
  try {
    const page = await api.history(id, { limit: PAGE });
    setTimeline(id, (t) => ({
      ...t,
      ...refreshTimeline(t.messages, t.hasOlder, page, PAGE),
      loading: false,
      stale: false,
    }));
  } catch (err) {
    setTimeline(id, (t) => ({ ...t, loading: false }));
    if (isAuthError(err)) end("Your session has ended. Please sign in again.");
  }
}

export function loadOlder(id: string): void {
  const timeline = chat.get().timelines[id];
  if (!timeline || timeline.loading || !timeline.hasOlder) return;
  void loadPage(id, timeline.messages[0]?.seq);
}

/** Resolves at the next change of the chat state. */
function nextChange(): Promise<void> {
  return new Promise((resolve) => {
    const stop = chat.subscribe(() => {
      stop();
      resolve();
    });
  });
}

/**
 * Loads older pages until the timeline holds the message at `seq` (a search result), or
 * reaches the conversation's beginning, or a page fails.
 */
export async function loadThrough(id: string, seq: number): Promise<void> {
  for (;;) {
    const timeline = chat.get().timelines[id];
    if (timeline?.loading) {
      await nextChange();
      continue;
    }
    const oldest = timeline?.messages[0]?.seq;
    if (
      timeline &&
      (!timeline.hasOlder || timeline.error || (oldest !== undefined && oldest <= seq))
    )
      return;
    await loadPage(id, oldest);
  }
}

async function run(action: () => Promise<MessageView>): Promise<boolean> {
  try {
    const message = await action();
    chat.update((s) => upsertMessage(s, message));
    return true;
  } catch (err) {
    failed(err);
    return false;
  }
}

export function editMessage(id: string, body: string): Promise<boolean> {
  return run(() => api.editMessage(id, body));
}

export function deleteMessage(id: string): Promise<boolean> {
  return run(() => api.deleteMessage(id));
}

export function toggleReaction(message: MessageView, emoji: string): Promise<boolean> {
  const me = chat.get().me?.id ?? "";
  const mine = message.reactions?.some((r) => r.emoji === emoji && r.user_ids.includes(me));
  // The server refuses reactions in an encrypted conversation: the device sends them.
  const conv = chat.get().convs[message.conversation_id];
  if (conv?.encrypted)
    return changeOnThisBrowser(me, conv, message, {
      emoji,
      action: mine ? "removed" : "added",
    });
  return run(() => (mine ? api.unreact(message.id, emoji) : api.react(message.id, emoji)));
}

/** Fetches a replied-to message that is not in the loaded part of the timeline. */
export async function fetchQuote(id: string): Promise<void> {
  if (id in chat.get().quotes) return;
  chat.update((s) => ({ ...s, quotes: { ...s.quotes, [id]: null } }));
  try {
    const message = await api.message(id);
    chat.update((s) => ({ ...s, quotes: { ...s.quotes, [id]: message } }));
    // An encrypted one is opened (or found among those opened) on this browser's device,
    // if it is one, for the quote to show its plaintext.
    const { me, convs } = chat.get();
    const conv = convs[message.conversation_id];
    if (message.mls && me && conv) await openMessages(me.id, conv, [message]);
  } catch {
    // Shown as "original message unavailable".
  }
}

/** Runs a conversation change; the conversation it answers with (if any) is merged in. */
async function convAction(action: () => Promise<ConversationView | undefined>): Promise<boolean> {
  try {
    const result = await action();
    if (result) chat.update((s) => mergeConversations(s, [result]));
    return true;
  } catch (err) {
    failed(err);
    return false;
  }
}

/** `encrypted`: end-to-end, its group set up on this browser's device (e2ee/opened.ts). */
export async function startDirect(userId: string, encrypted = false): Promise<string | null> {
  return created({ type: "direct", member_ids: [userId], ...(encrypted ? { encrypted } : {}) });
}

export async function createGroup(
  title: string,
  memberIds: string[],
  encrypted = false,
): Promise<string | null> {
  return created({
    type: "group",
    title,
    member_ids: memberIds,
    ...(encrypted ? { encrypted } : {}),
  });
}

async function created(body: CreateConversationBody): Promise<string | null> {
  let id: string | null = null;
  await convAction(async () => {
    const conv = await api.createConversation(body);
    id = conv.id;
    const me = chat.get().me?.id;
    if (conv.encrypted && me) await setUpOnThisBrowser(me, conv);
    return conv;
  });
  return id;
}

export const renameGroup = (id: string, title: string) =>
  convAction(() => api.renameConversation(id, title));

export const addMembers = (id: string, userIds: string[]) =>
  convAction(() => api.addMembers(id, userIds));

export function removeMember(id: string, userId: string): Promise<boolean> {
  return convAction(async () => {
    await api.removeMember(id, userId);
    chat.update((s) => {
      const conv = s.convs[id];
      if (!conv) return s;
      const members = conv.members.filter((m) => m.user.id !== userId);
      return { ...s, convs: { ...s.convs, [id]: { ...conv, members } } };
    });
    return undefined;
  });
}

export function leaveGroup(id: string): Promise<boolean> {
  const me = chat.get().me?.id ?? "";
  return convAction(async () => {
    await api.removeMember(id, me);
    chat.update((s) => removeConversation(s, id));
    return undefined;
  });
}
