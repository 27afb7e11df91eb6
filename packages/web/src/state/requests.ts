/**
 * Message requests and blocking: accept or decline a request, block or unblock a person,
 * and the block list, which hides blocked people's messages in groups.
 */
import type { UserView } from "@private-chat/sdk";
import { api, errorText, isAuthError } from "../api.js";
import { openTimeline } from "./actions.js";
import { chat } from "./chat.js";
import { end } from "./live.js";
import { toast } from "./notices.js";
import { dropBlock, mergeConversations, putBlock } from "./reduce.js";

function failed(err: unknown): false {
  if (isAuthError(err)) end("Your session has ended. Please sign in again.");
  else toast(errorText(err));
  return false;
}

export async function acceptRequest(id: string): Promise<boolean> {
  const wasDeclined = chat.get().convs[id]?.request === "declined";
  try {
    const conv = await api.acceptRequest(id);
    chat.update((s) => mergeConversations(s, [conv]));
    if (wasDeclined) {
      // Nothing reached a declined request: load its messages afresh.
      chat.update((s) => {
        const { [id]: _stale, ...timelines } = s.timelines;
        return { ...s, timelines };
      });
      openTimeline(id);
    }
    return true;
  } catch (err) {
    return failed(err);
  }
}

export async function declineRequest(id: string): Promise<boolean> {
  try {
    const conv = await api.declineRequest(id);
    chat.update((s) => mergeConversations(s, [conv]));
    return true;
  } catch (err) {
    return failed(err);
  }
}

export async function blockPerson(user: Pick<UserView, "id" | "display_name">): Promise<boolean> {
  try {
    const block = await api.block(user.id);
    chat.update((s) => putBlock(s, block));
    toast(`You blocked ${user.display_name}.`);
    return true;
  } catch (err) {
    return failed(err);
  }
}

export async function unblockPerson(user: Pick<UserView, "id" | "display_name">): Promise<boolean> {
  try {
    await api.unblock(user.id);
    chat.update((s) => dropBlock(s, user.id));
    toast(`You unblocked ${user.display_name}.`);
    return true;
  } catch (err) {
    return failed(err);
  }
}

/** Loads the block list (with the conversation list, and again after a reconnect). */
export async function loadBlocks(): Promise<void> {
  try {
    const list = await api.blocks();
    chat.update((s) => ({ ...s, blocked: Object.fromEntries(list.map((b) => [b.user.id, b])) }));
  } catch (err) {
    // The list is loaded again with the next snapshot; nothing is hidden meanwhile.
    if (isAuthError(err)) end("Your session has ended. Please sign in again.");
  }
}
