/**
 * Brings a message chosen in search results into view: loads history back to it, scrolls
 * it to the middle, highlights it and moves keyboard focus to it.
 */
import type { RefObject } from "preact";
import { useEffect } from "preact/hooks";
import { loadThrough } from "../state/actions.js";
import { announce } from "../state/notices.js";
import { type RevealTarget, revealDone, revealTarget } from "../state/search.js";
import { useStore } from "../state/store.js";

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

export function useReveal(conversationId: string, scroller: RefObject<HTMLElement>): void {
  const target = useStore(revealTarget, (t) => (t?.conversationId === conversationId ? t : null));
  useEffect(() => {
    if (!target) return;
    let stopWaiting: (() => void) | undefined;
    let cancelled = false;
    const finish = (t: RevealTarget, el: HTMLElement | null) => {
      revealDone(t);
      if (el) highlight(el);
      else announce("That message is no longer in this conversation.");
    };
    void loadThrough(conversationId, target.seq).then(() => {
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
  }, [target, conversationId]);
}
