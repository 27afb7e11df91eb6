/**
 * Pure transitions of the threads opened on this device: a reply joins its thread, a
 * root's summary follows `thread.updated`, and the user's own devices agree on what is
 * followed and read. Idempotent like the rest of the reducer.
 */
import type { MessageView, ThreadSummary } from "@private-chat/sdk";
import type { ChatState, ThreadState } from "./chat.js";

export function withThread(state: ChatState, rootId: string, thread: ThreadState): ChatState {
  return { ...state, threads: { ...state.threads, [rootId]: thread } };
}

/** Inserts or replaces one message in a list ordered by seq (replies, like the timeline). */
function put(list: MessageView[], message: MessageView): MessageView[] {
  const at = list.findIndex((m) => m.id === message.id);
  if (at >= 0) return list.map((m, i) => (i === at ? message : m));
  const i = list.findLastIndex((m) => m.seq <= message.seq) + 1;
  return [...list.slice(0, i), message, ...list.slice(i)];
}

/** A new or changed message: a reply of an opened thread, or an opened thread's root. */
export function putInThreads(state: ChatState, message: MessageView): ChatState {
  let next = state;
  const thread = message.thread_id ? next.threads[message.thread_id] : undefined;
  if (message.thread_id && thread)
    next = withThread(next, message.thread_id, {
      ...thread,
      replies: put(thread.replies, message),
    });
  const asRoot = next.threads[message.id];
  if (asRoot?.root) {
    // An edit's view keeps the summary; one that came without it keeps the known one.
    const known = asRoot.root.thread;
    const root = message.thread || !known ? message : { ...message, thread: known };
    next = withThread(next, message.id, { ...asRoot, root });
  }
  return next;
}

/** Applies a change to a message wherever an opened thread shows it. */
export function patchInThreads(
  state: ChatState,
  id: string,
  patch: (m: MessageView) => MessageView,
): ChatState {
  let next = state;
  for (const [rootId, thread] of Object.entries(state.threads)) {
    if (thread.root?.id === id)
      next = withThread(next, rootId, { ...thread, root: patch(thread.root) });
    else if (thread.replies.some((m) => m.id === id))
      next = withThread(next, rootId, {
        ...thread,
        replies: thread.replies.map((m) => (m.id === id ? patch(m) : m)),
      });
  }
  return next;
}

export function setSummary(m: MessageView, thread: ThreadSummary): MessageView {
  return { ...m, thread };
}

export function setThreadRead(state: ChatState, rootId: string, seq: number): ChatState {
  const thread = state.threads[rootId];
  if (!thread || thread.readThreadSeq >= seq) return state;
  return withThread(state, rootId, { ...thread, readThreadSeq: seq });
}

export function setFollowing(state: ChatState, rootId: string, following: boolean): ChatState {
  const thread = state.threads[rootId];
  if (!thread || thread.following === following) return state;
  return withThread(state, rootId, { ...thread, following });
}

/** The threads of a conversation the user left go with it. */
export function dropThreadsOf(state: ChatState, conversationId: string): ChatState {
  const kept = Object.entries(state.threads).filter(([, t]) => t.conversationId !== conversationId);
  if (kept.length === Object.keys(state.threads).length) return state;
  return { ...state, threads: Object.fromEntries(kept) };
}
