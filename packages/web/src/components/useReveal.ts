/**
 * Brings a message chosen in search results or opened by a link into view: loads history
 * (or a thread's replies) back to it, scrolls it to the middle, highlights it and moves
 * keyboard focus to it.
 */
import type { RefObject } from "preact";
import { useEffect } from "preact/hooks";
import { loadThrough } from "../state/actions.js";
import { announce } from "../state/notices.js";
import { type RevealTarget, revealDone, revealTarget } from "../state/search.js";
import { useStore } from "../state/store.js";
import { loadRepliesThrough } from "../state/threads.js";

/** Calls `find` on each of the next frames until it returns an element (or gives up). */
function whenRendered(find: () => HTMLElement | null, done: (el: HTMLElement | null) => void) {
  let frames = 0;
  let handle = 0;
  const attempt = () => {
    const el = find();
    if (el || frames++ > 60) done(el);
    else handle = requestAnimationFrame(attempt);
  };
  handle = requestAnimationFrame(attempt);
  return () => cancelAnimationFrame(handle);
}

function highlight(el: HTMLElement): void {
  el.classList.add("found");
  el.tabIndex = -1;
  el.scrollIntoView({ block: "center" });
  el.focus({ preventScroll: true });
  el.addEventListener("blur", () => el.classList.remove("found"), { once: true });
}

/**
 * Reveals the target `select` picks for this view once `load` has brought it into the
 * view's state, inside `scroller`.
 */
function useRevealIn(
  select: (t: RevealTarget | null) => RevealTarget | null,
  load: (t: RevealTarget) => Promise<void>,
  scroller: RefObject<HTMLElement>,
  where: string,
): void {
  const target = useStore(revealTarget, select);
  useEffect(() => {
    if (!target) return;
    let stopWaiting: (() => void) | undefined;
    let cancelled = false;
    const finish = (t: RevealTarget, el: HTMLElement | null) => {
      revealDone(t);
      if (el) highlight(el);
      else announce(`That message is no longer in this ${where}.`);
    };
    void load(target).then(() => {
      if (cancelled) return;
      stopWaiting = whenRendered(
        () => scroller.current?.querySelector<HTMLElement>(`li[data-seq="${target.seq}"]`) ?? null,
        (el) => finish(target, el),
      );
    });
    return () => {
      cancelled = true;
      stopWaiting?.();
    };
  }, [target]);
}

/** In a conversation's timeline: history loads back to the target. */
export function useReveal(conversationId: string, scroller: RefObject<HTMLElement>): void {
  useRevealIn(
    (t) => (t?.conversationId === conversationId && !t.thread ? t : null),
    (t) => loadThrough(conversationId, t.seq),
    scroller,
    "conversation",
  );
}

/** In a thread's panel: its replies load back to the target. */
export function useThreadReveal(rootId: string, scroller: RefObject<HTMLElement>): void {
  useRevealIn(
    (t) => (t?.thread?.rootId === rootId ? t : null),
    (t) => loadRepliesThrough(rootId, t.thread?.threadSeq ?? 0),
    scroller,
    "thread",
  );
}

/**
 * In an encrypted thread's panel: the conversation's history loads back to the target,
 * as the panel shows the replies of the history this browser's device opened.
 */
export function useEncryptedThreadReveal(
  conversationId: string,
  rootId: string,
  scroller: RefObject<HTMLElement>,
): void {
  useRevealIn(
    (t) => (t?.thread?.rootId === rootId ? t : null),
    (t) => loadThrough(conversationId, t.seq),
    scroller,
    "thread",
  );
}
