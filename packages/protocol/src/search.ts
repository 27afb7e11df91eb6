/**
 * Message search on the wire: GET /api/v1/search. The query language itself is
 * described in docs/API.md and parsed by src/search/query.ts.
 */
import { z } from "zod/mini";
import { messageView } from "./chat.js";

export const MAX_SEARCH_PAGE = 50;

export const searchQuery = z.strictObject({
  /** The search text; its length and syntax are checked by the parser (`invalid_query`). */
  q: z.string(),
  /** Only this conversation; one the caller is not in answers `not_found`. */
  conversation_id: z.optional(z.string().check(z.minLength(1), z.maxLength(64))),
  /** The `next_before` of the previous page. */
  before: z.optional(z.string().check(z.minLength(1), z.maxLength(512))),
  limit: z._default(z.coerce.number().check(z.int(), z.minimum(1), z.maximum(MAX_SEARCH_PAGE)), 20),
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
  next_before: z.optional(z.string()),
});
export type SearchResponse = z.infer<typeof searchResponse>;
