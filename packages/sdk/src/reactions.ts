/**
 * Applies a `reaction` event to a message's reaction list. The event carries only the
 * change (who, which emoji, added or removed), so a client keeps the list itself. Applying
 * the same change twice leaves the same list: a replayed event, or one that races a
 * history page already holding the change, is harmless.
 */
import type { ReactionView } from "@private-chat/protocol/chat";

export interface ReactionChange {
  user_id: string;
  emoji: string;
  action: "added" | "removed";
}

/** The list after the change; undefined when no reaction is left (as the server presents it). */
export function applyReaction(
  reactions: readonly ReactionView[] | undefined,
  change: ReactionChange,
): ReactionView[] | undefined {
  const list = reactions ?? [];
  const at = list.findIndex((r) => r.emoji === change.emoji);
  const entry = list[at];
  const has = entry?.user_ids.includes(change.user_id) ?? false;
  if (change.action === "added") {
    if (has) return reactions?.slice();
    if (!entry) return [...list, { emoji: change.emoji, count: 1, user_ids: [change.user_id] }];
    const user_ids = [...entry.user_ids, change.user_id];
    return replaced(list, at, { ...entry, count: user_ids.length, user_ids });
  }
  if (!entry || !has) return reactions?.slice();
  const user_ids = entry.user_ids.filter((id) => id !== change.user_id);
  const next =
    user_ids.length > 0
      ? replaced(list, at, { ...entry, count: user_ids.length, user_ids })
      : list.filter((_, i) => i !== at);
  return next.length > 0 ? next : undefined;
}

// Array.prototype.with is newer than some browsers the web app supports.
function replaced(list: readonly ReactionView[], at: number, entry: ReactionView): ReactionView[] {
  const next = list.slice();
  next[at] = entry;
  return next;
}
