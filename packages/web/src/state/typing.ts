/**
 * Who is typing where, from the socket's `typing` frames: each mark lasts a few seconds
 * unless renewed, and one timer prunes the marks that ran out.
 */
import { chat } from "./chat.js";

const TYPING_MS = 4000;
let typingTimer: ReturnType<typeof setTimeout> | undefined;

export function onTyping(conversationId: string, userId: string): void {
  const state = chat.get();
  // Nothing of a request or of a blocked person shows (the server sends none either).
  if (userId === state.me?.id || userId in state.blocked) return;
  if (state.convs[conversationId]?.request !== undefined) return;
  chat.update((s) => ({
    ...s,
    typing: {
      ...s.typing,
      [conversationId]: { ...s.typing[conversationId], [userId]: Date.now() + TYPING_MS },
    },
  }));
  clearTimeout(typingTimer);
  typingTimer = setTimeout(pruneTyping, TYPING_MS + 50);
}

/** The session ended: no timer is left behind. */
export function stopTyping(): void {
  clearTimeout(typingTimer);
}

function pruneTyping(): void {
  const now = Date.now();
  let next = Infinity;
  chat.update((s) => {
    const typing: typeof s.typing = {};
    for (const [cid, users] of Object.entries(s.typing)) {
      const alive = Object.entries(users).filter(([, until]) => until > now);
      for (const [, until] of alive) next = Math.min(next, until);
      if (alive.length > 0) typing[cid] = Object.fromEntries(alive);
    }
    return { ...s, typing };
  });
  if (next !== Infinity) typingTimer = setTimeout(pruneTyping, next - now + 50);
}
