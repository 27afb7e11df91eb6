/**
 * Threads on this device: opening one loads its root and newest replies, older replies
 * load on request, and following and reading go to the server (the user's other devices
 * hear of them through thread.followed and thread.read). The followed-threads list is
 * read afresh when a thread event says it may have changed.
 */
import { ApiError, type FollowedThreadView, type MessageView } from "@private-chat/sdk";
import { api, errorText } from "../api.js";
import { failed } from "./actions.js";
import { chat, type ThreadState } from "./chat.js";
import { upsertMessage } from "./reduce.js";
import { createStore } from "./store.js";
import { setFollowing, setThreadRead, withThread } from "./thread-state.js";

export const THREAD_PAGE = 50;

function update(rootId: string, fn: (t: ThreadState) => ThreadState): void {
  chat.update((s) => {
    const thread = s.threads[rootId];
    return thread ? withThread(s, rootId, fn(thread)) : s;
  });
}

function mergeReplies(list: MessageView[], page: MessageView[]): MessageView[] {
  const byId = new Map(page.map((m) => [m.id, m]));
  for (const m of list) byId.set(m.id, m);
  return [...byId.values()].sort((a, b) => a.seq - b.seq);
}

function notAvailable(err: unknown): string {
  return err instanceof ApiError && err.status === 404
    ? "This thread is not available."
    : errorText(err);
}

/** The load running for a thread (its newest page, or an older one), awaited by reveals. */
const loads = new Map<string, Promise<void>>();

function track(rootId: string, load: Promise<void>): Promise<void> {
  const done = load.finally(() => {
    if (loads.get(rootId) === done) loads.delete(rootId);
  });
  loads.set(rootId, done);
  return done;
}

/** Opens a thread: loads it the first time, and again after it failed to load. */
export function openThread(conversationId: string, rootId: string): void {
  const known = chat.get().threads[rootId];
  if (known && (known.loading || !known.error)) return;
  chat.update((s) =>
    withThread(s, rootId, {
      conversationId,
      root: s.timelines[conversationId]?.messages.find((m) => m.id === rootId) ?? null,
      replies: [],
      hasOlder: false,
      loading: true,
      error: null,
      following: false,
      readThreadSeq: 0,
    }),
  );
  void track(rootId, loadNewest(conversationId, rootId));
}

async function loadNewest(conversationId: string, rootId: string): Promise<void> {
  try {
    const [root, page] = await Promise.all([
      api.message(rootId),
      api.thread(rootId, { limit: THREAD_PAGE }),
    ]);
    if (root.conversation_id !== conversationId || root.thread_id)
      throw new ApiError(404, "not_found", "not a thread");
    // Replies that arrived while loading are kept (the page may not hold them).
    update(rootId, (t) => ({
      ...t,
      root,
      replies: mergeReplies(t.replies, page.messages),
      hasOlder: page.messages.length === THREAD_PAGE,
      loading: false,
      following: page.following,
      readThreadSeq: Math.max(t.readThreadSeq, page.read_thread_seq),
    }));
    chat.update((s) => upsertMessage(s, root));
  } catch (err) {
    update(rootId, (t) => ({ ...t, loading: false, error: notAvailable(err) }));
  }
}

export function loadOlderReplies(rootId: string): Promise<void> {
  const thread = chat.get().threads[rootId];
  const first = thread?.replies[0]?.thread_seq;
  if (!thread || thread.loading || !thread.hasOlder || first === undefined)
    return loads.get(rootId) ?? Promise.resolve();
  return track(rootId, loadOlder(rootId, first));
}

async function loadOlder(rootId: string, first: number): Promise<void> {
  update(rootId, (t) => ({ ...t, loading: true }));
  try {
    const page = await api.thread(rootId, { before: first, limit: THREAD_PAGE });
    update(rootId, (t) => ({
      ...t,
      replies: mergeReplies(t.replies, page.messages),
      hasOlder: page.messages.length === THREAD_PAGE,
      loading: false,
    }));
  } catch (err) {
    update(rootId, (t) => ({ ...t, loading: false }));
    failed(err);
  }
}

/**
 * Loads a thread's pages back to the reply at `threadSeq` (after its first load), so that
 * a link or a search hit can show that reply.
 */
export async function loadRepliesThrough(rootId: string, threadSeq: number): Promise<void> {
  await loads.get(rootId);
  for (;;) {
    const thread = chat.get().threads[rootId];
    const first = thread?.replies[0]?.thread_seq;
    if (!thread || thread.error || !thread.hasOlder || first === undefined) return;
    if (first <= threadSeq) return;
    await loadOlderReplies(rootId);
    // A failed page leaves the first reply where it was: stop rather than ask forever.
    if (chat.get().threads[rootId]?.replies[0]?.thread_seq === first) return;
  }
}

export async function followThread(rootId: string, following: boolean): Promise<void> {
  try {
    const now = await api.followThread(rootId, following);
    chat.update((s) => setFollowing(s, rootId, now));
  } catch (err) {
    failed(err);
  }
}

const reading = new Set<string>();

/** Marks the replies shown as read (once per change; the server keeps the furthest). */
export async function readThread(rootId: string): Promise<void> {
  const thread = chat.get().threads[rootId];
  const last = thread?.replies.at(-1)?.thread_seq;
  if (!thread || last === undefined || last <= thread.readThreadSeq || reading.has(rootId)) return;
  reading.add(rootId);
  try {
    const seq = await api.readThread(rootId, last);
    chat.update((s) => setThreadRead(s, rootId, seq));
  } catch {
    // Read again with the next reply or the next time the thread is opened.
  } finally {
    reading.delete(rootId);
  }
}

export interface FollowedList {
  threads: FollowedThreadView[];
  nextCursor: string | null;
  loading: boolean;
  error: string | null;
}

export const followed = createStore<FollowedList>({
  threads: [],
  nextCursor: null,
  loading: false,
  error: null,
});

/** Reads the first page of followed threads, or the next one after `cursor`. */
export async function loadFollowed(cursor?: string): Promise<void> {
  followed.update((f) => ({ ...f, loading: true, error: null }));
  try {
    const page = await api.followedThreads(cursor ? { cursor } : {});
    followed.update((f) => ({
      threads: cursor ? [...f.threads, ...page.threads] : page.threads,
      nextCursor: page.nextCursor,
      loading: false,
      error: null,
    }));
  } catch (err) {
    followed.update((f) => ({ ...f, loading: false, error: errorText(err) }));
  }
}
