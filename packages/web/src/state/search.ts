/**
 * Message search: asks the server, and remembers which message a chosen result should
 * reveal, so the conversation can load history back to it, scroll there and highlight it.
 */
import type { SearchResponse } from "@private-chat/protocol/search";
import { api } from "../api.js";
import { createStore } from "./store.js";

export type { SearchResponse, SearchResultView } from "@private-chat/protocol/search";

export const SEARCH_PAGE = 20;

export function searchMessages(q: string, before?: string): Promise<SearchResponse> {
  return api.search({ q, limit: SEARCH_PAGE, ...(before ? { before } : {}) });
}

/** The message a conversation should bring into view once it is open. */
export interface RevealTarget {
  conversationId: string;
  messageId: string;
  seq: number;
  /** A reply in its thread alone is shown in the thread beside the conversation. */
  thread?: { rootId: string; threadSeq: number };
}

export const revealTarget = createStore<RevealTarget | null>(null);

export function revealMessage(target: RevealTarget): void {
  revealTarget.set(target);
}

export function revealDone(target: RevealTarget): void {
  if (revealTarget.get() === target) revealTarget.set(null);
}
