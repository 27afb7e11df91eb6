/**
 * Pure changes to the pinned-message lists of the chat state: a list per conversation,
 * the most recently pinned first. Shared by the pin actions and the event reducer.
 */
import type { MessageView, PinnedMessageView, StoredEvent } from "@private-chat/sdk";
import type { ChatState } from "./chat.js";

type PinEvent = Extract<StoredEvent, { type: "message.pinned" | "message.unpinned" }>;

export function withPins(
  state: ChatState,
  id: string,
  list: PinnedMessageView[] | undefined,
): ChatState {
  const { [id]: _old, ...rest } = state.pins;
  return { ...state, pins: list ? { ...rest, [id]: list } : rest };
}

/** Puts a pin in its place: the most recently pinned first. */
export function placePin(list: PinnedMessageView[], pin: PinnedMessageView): PinnedMessageView[] {
  const rest = list.filter((p) => p.id !== pin.id);
  const at = rest.findIndex((p) => p.pinned_at < pin.pinned_at);
  return at < 0 ? [...rest, pin] : [...rest.slice(0, at), pin, ...rest.slice(at)];
}

/** A pin or unpin event. A pin of a message not loaded here drops the list, to be read again. */
export function applyPinEvent(state: ChatState, event: PinEvent): ChatState {
  const id = event.conversation_id;
  const list = state.pins[id];
  if (!list) return state;
  if (event.type === "message.unpinned") {
    return list.some((p) => p.id === event.message_id)
      ? withPins(
          state,
          id,
          list.filter((p) => p.id !== event.message_id),
        )
      : state;
  }
  if (list.some((p) => p.id === event.message_id)) return state;
  const message = state.timelines[id]?.messages.find((m) => m.id === event.message_id);
  if (!message) return withPins(state, id, undefined);
  const pin = { ...message, pinned_by: event.pinned_by, pinned_at: event.pinned_at };
  return withPins(state, id, placePin(list, pin));
}

/** Keeps a pinned message's copy in the list up to date with an edit (a deletion unpins). */
export function refreshPinned(state: ChatState, message: MessageView): ChatState {
  const list = state.pins[message.conversation_id];
  const at = list?.findIndex((p) => p.id === message.id) ?? -1;
  if (!list || at < 0) return state;
  const old = list[at] as PinnedMessageView;
  const next = message.deleted
    ? list.filter((p) => p.id !== message.id)
    : list.map((p, i) =>
        i === at ? { ...message, pinned_by: old.pinned_by, pinned_at: old.pinned_at } : p,
      );
  return withPins(state, message.conversation_id, next);
}

export function isPinned(state: ChatState, message: MessageView): boolean {
  return state.pins[message.conversation_id]?.some((p) => p.id === message.id) ?? false;
}
