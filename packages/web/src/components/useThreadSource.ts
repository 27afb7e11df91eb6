/**
 * Where a thread's panel reads its root and replies. A plain thread is the server's
 * (state/threads.ts): loaded by pages, followed and read by thread_seq. An end-to-end
 * encrypted one is worked out on this browser's device: a reply names its root inside
 * the ciphertext, so the server cannot list it; its replies are the messages the device
 * opened (e2ee/shown.ts) after the root, whose history loads back to the root.
 */
import type { RefObject } from "preact";
import { useEffect, useMemo, useState } from "preact/hooks";
import { api } from "../api.js";
import { opened } from "../e2ee/opened.js";
import { sharedFold, threadOf } from "../e2ee/shown.js";
import { loadThrough } from "../state/actions.js";
import { type Conv, chat, type ThreadState } from "../state/chat.js";
import { useStore } from "../state/store.js";
import { openThread, readThread } from "../state/threads.js";
import { useEncryptedThreadReveal, useThreadReveal } from "./useReveal.js";

const UNAVAILABLE = "This thread is not available.";

/** The server's thread (none for an encrypted conversation), read while `visible`. */
export function usePlainThread(
  conv: Conv,
  rootId: string,
  visible: boolean,
  body: RefObject<HTMLElement>,
): ThreadState | undefined {
  const plain = !conv.encrypted;
  const thread = useStore(chat, (s) => (plain ? s.threads[rootId] : undefined));
  // Again when the state starts afresh (the server's list loaded again).
  const loaded = useStore(chat, (s) => s.loaded);
  useEffect(() => {
    if (plain) openThread(conv.id, rootId);
  }, [conv.id, rootId, loaded, plain]);
  // After openThread, whose load the reveal waits for.
  useThreadReveal(plain ? rootId : "", body);
  const lastSeq = thread?.replies.at(-1)?.thread_seq ?? 0;
  useEffect(() => {
    if (plain && visible && !thread?.loading) void readThread(rootId);
  }, [rootId, lastSeq, visible, thread?.loading, plain]);
  return thread;
}

/**
 * An encrypted conversation's thread as this browser's device reads it: the root and the
 * replies it opened, oldest first, kept current as the timeline's messages open. Nobody
 * follows it (the server cannot tell its replies), and it has no pages of its own.
 */
export function useEncryptedThread(
  conv: Conv,
  rootId: string,
  body: RefObject<HTMLElement>,
): ThreadState | undefined {
  const encrypted = conv.encrypted === true;
  // A link to a reply (state/message-links.ts) is revealed here once opened.
  useEncryptedThreadReveal(conv.id, encrypted ? rootId : "", body);
  const timeline = useStore(chat, (s) => (encrypted ? s.timelines[conv.id] : undefined));
  const read = useStore(opened, (all) => (encrypted ? all : undefined));
  const quoted = useStore(chat, (s) => (encrypted ? s.quotes[rootId] : undefined));
  const [missing, setMissing] = useState(false);
  const shown = useMemo(
    () => (timeline && read ? sharedFold(timeline.messages, read) : []),
    [timeline?.messages, read],
  );
  const { root, replies } = threadOf(shown, rootId);
  const rootSeq = root?.seq ?? quoted?.seq;

  useEffect(() => {
    if (!encrypted || !timeline || rootSeq !== undefined) return;
    // Out of the loaded history (a link, or an old root): asked of the server for its seq.
    let stale = false;
    api.message(rootId).then(
      (message) => {
        if (stale) return;
        if (message.conversation_id !== conv.id) setMissing(true);
        else chat.update((s) => ({ ...s, quotes: { ...s.quotes, [rootId]: message } }));
      },
      () => {
        if (!stale) setMissing(true);
      },
    );
    return () => {
      stale = true;
    };
  }, [encrypted, rootId, rootSeq === undefined, timeline !== undefined]);

  // Every reply comes after its root: the history back to the root holds them all.
  useEffect(() => {
    if (encrypted && rootSeq !== undefined) void loadThrough(conv.id, rootSeq);
  }, [encrypted, conv.id, rootSeq]);

  if (!encrypted) return undefined;
  return {
    conversationId: conv.id,
    root: root ?? quoted ?? null,
    replies,
    hasOlder: false,
    loading: !missing && (root === undefined || timeline?.loading === true),
    error: missing ? UNAVAILABLE : null,
    following: false,
    readThreadSeq: 0,
  };
}
