/**
 * Message search on the wire: GET /api/v1/search. The query language itself is
 * described in docs/API.md and parsed by src/search/query.ts.
 */
import { z } from "zod";
import { messageView } from "./chat.js";

export const MAX_SEARCH_PAGE = 50;

export const searchQuery = z.strictObject({
  /** The search text; its length and syntax are checked by the parser (`invalid_query`). */
  q: z.string(),
  /** Only this conversation; one the caller is not in answers `not_found`. */
  conversation_id: z.string().min(1).max(64).optional(),
  /** The `next_before` of the previous page. */
  before: z.string().min(1).max(512).optional(),
  limit: z.coerce.number().int().min(1).max(MAX_SEARCH_PAGE).default(20),
});
export type SearchQuery = z.infer<typeof searchQuery>;

export const searchResultView = z.object({
  message: messageView,
  conversation_id: z.string(),
  /** An excerpt of the message as plain text: never HTML. */
  snippet: z.string(),
  /** [start, end) ranges of `snippet` to highlight, in UTF-16 code units. */
  highlights: z.array(z.tuple([z.number(), z.number()])),
  /** Higher is more relevant; only comparable within one server's results. */
  rank: z.number(),
});
export type SearchResultView = z.infer<typeof searchResultView>;

export const searchResponse = z.object({
  results: z.array(searchResultView),
  /** Present when more results follow: pass it as `before` for the next page. */
  next_before: z.string().optional(),
});
export type SearchResponse = z.infer<typeof searchResponse>;
