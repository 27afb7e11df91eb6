/**
 * The local copy: a bounded snapshot of what the signed-in user had on screen (the
 * conversation list, the newest messages of the conversations opened last, the block
 * list), kept per user on this device so the app opens with it at once, and without the
 * network. Pure: building, decoding and applying a copy; local-store.ts keeps it.
 */
import { blockView, conversationView, messageView } from "@private-chat/protocol/chat";
import type { ConversationView, MessageView } from "@private-chat/sdk";
import { z } from "zod/mini";
import { type ChatState, type Conv, sortedConversations, type Timeline } from "./chat.js";

/** Bounds, so the copy stays small (about a few hundred kB at most). */
export const MAX_CONVERSATIONS = 200;
export const MAX_TIMELINES = 20;
export const MAX_MESSAGES = 60;

export const COPY_VERSION = 1;

export interface LocalCopy {
  version: typeof COPY_VERSION;
  user_id: string;
  saved_at: number;
  conversations: ConversationView[];
  /** Most recently opened first. */
  timelines: { id: string; has_older: boolean; messages: MessageView[] }[];
  blocks: z.infer<typeof blockView>[];
}

/** Puts `id` first in the list of recently opened conversations, keeping at most `max`. */
export function touchRecent(list: readonly string[], id: string, max = MAX_TIMELINES): string[] {
  return [id, ...list.filter((x) => x !== id)].slice(0, max);
}

function plainConv(conv: Conv): ConversationView {
  const { mentioned: _mark, ...view } = conv;
  return view;
}

/** The copy of `state` to keep, or undefined while there is nothing confirmed to keep. */
export function snapshotOf(
  state: ChatState,
  recent: readonly string[],
  now = Date.now(),
): LocalCopy | undefined {
  const me = state.me?.id;
  // Before the server's list arrived the state holds the copy itself, or nothing yet.
  if (!me || !state.loaded) return undefined;
  const conversations = sortedConversations(state.convs).slice(0, MAX_CONVERSATIONS);
  const kept = new Set(conversations.map((c) => c.id));
  const timelines: LocalCopy["timelines"] = [];
  for (const id of recent) {
    const timeline = state.timelines[id];
    if (!timeline || !kept.has(id) || timeline.messages.length === 0) continue;
    const messages = timeline.messages.slice(-MAX_MESSAGES);
    timelines.push({
      id,
      has_older: timeline.hasOlder || messages.length < timeline.messages.length,
      messages,
    });
    if (timelines.length >= MAX_TIMELINES) break;
  }
  return {
    version: COPY_VERSION,
    user_id: me,
    saved_at: now,
    conversations: conversations.map(plainConv),
    timelines,
    blocks: Object.values(state.blocked),
  };
}

// The outer shape is checked first; each conversation, message and block is then decoded
// alone with the protocol's schema, so one that no longer decodes (a copy saved by an
// older app) is dropped without losing the rest.
const storedCopy = z.object({
  version: z.literal(COPY_VERSION),
  user_id: z.string(),
  saved_at: z.number(),
  conversations: z.array(z.unknown()),
  timelines: z.array(
    z.object({ id: z.string(), has_older: z.boolean(), messages: z.array(z.unknown()) }),
  ),
  blocks: z.array(z.unknown()),
});

function each<S extends z.core.$ZodType>(schema: S, list: unknown[]): z.output<S>[] {
  return list.flatMap((item) => {
    const parsed = z.safeParse(schema, item);
    return parsed.success ? [parsed.data] : [];
  });
}

/** A stored copy decoded for `userId`; anything else (another user's, unreadable) is none. */
export function decodeCopy(raw: unknown, userId: string): LocalCopy | undefined {
  const outer = storedCopy.safeParse(raw);
  if (!outer.success || outer.data.user_id !== userId) return undefined;
  const conversations = each(conversationView, outer.data.conversations);
  const ids = new Set(conversations.map((c) => c.id));
  const timelines = outer.data.timelines.flatMap((t) => {
    if (!ids.has(t.id)) return [];
    const messages = each(messageView, t.messages).filter((m) => m.conversation_id === t.id);
    return messages.length > 0 ? [{ id: t.id, has_older: t.has_older, messages }] : [];
  });
  return {
    version: COPY_VERSION,
    user_id: userId,
    saved_at: outer.data.saved_at,
    conversations,
    timelines,
    blocks: each(blockView, outer.data.blocks),
  };
}

/**
 * Shows a copy in a state the server has not filled yet. Its timelines are marked stale:
 * they are refreshed from the server when next opened.
 */
export function restoreCopy(state: ChatState, copy: LocalCopy): ChatState {
  if (state.loaded || state.me?.id !== copy.user_id) return state;
  const convs: Record<string, Conv> = {};
  for (const conv of copy.conversations) convs[conv.id] = conv;
  const timelines: Record<string, Timeline> = {};
  for (const t of copy.timelines) {
    timelines[t.id] = {
      messages: [...t.messages].sort((a, b) => a.seq - b.seq),
      hasOlder: t.has_older,
      loading: false,
      error: null,
      stale: true,
    };
  }
  const blocked = Object.fromEntries(copy.blocks.map((b) => [b.user.id, b]));
  return { ...state, convs, timelines, blocked, restored: true };
}

/**
 * Once the server's whole list is in a restored state: conversations the user is no
 * longer in (left or removed while away) go, with their timelines. `ids` is every page's
 * conversations and those the events held meanwhile name: one that became active while
 * the pages were read moved ahead of the cursor and is in no page.
 */
export function confirmList(state: ChatState, ids: ReadonlySet<string>): ChatState {
  if (!state.restored) return state;
  const convs = Object.fromEntries(Object.entries(state.convs).filter(([id]) => ids.has(id)));
  const timelines = Object.fromEntries(
    Object.entries(state.timelines).filter(([id]) => ids.has(id)),
  );
  return { ...state, convs, timelines, restored: false };
}

/**
 * A stale timeline (from the copy) after the server's newest page: merged when the page
 * reaches back to what was kept, replaced when messages in between are missing (the page
 * starts after the kept ones end), so no gap is ever shown as continuous.
 */
export function refreshTimeline(
  cached: readonly MessageView[],
  cachedHasOlder: boolean,
  page: readonly MessageView[],
  pageSize: number,
): { messages: MessageView[]; hasOlder: boolean } {
  const full = page.length >= pageSize;
  const newestKept = cached.at(-1)?.seq ?? 0;
  const oldestKept = cached[0]?.seq ?? Infinity;
  const oldestFetched = page.reduce((min, m) => Math.min(min, m.seq), Infinity);
  const gap = full && oldestFetched > newestKept + 1;
  const byId = new Map<string, MessageView>();
  if (!gap) for (const m of cached) byId.set(m.id, m);
  for (const m of page) byId.set(m.id, m);
  const messages = [...byId.values()].sort((a, b) => a.seq - b.seq);
  // A short page is the whole conversation; a full one may have more before it.
  const hasOlder = !full ? false : gap || oldestFetched <= oldestKept ? true : cachedHasOlder;
  return { messages, hasOlder };
}
