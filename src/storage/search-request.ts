/**
 * What both search engines share: the request, who may see which message, the filters,
 * the cursor and the snippet markers. How each engine matches and ranks lives in
 * sqlite/search.ts and postgres/search.ts.
 */
import { type Kysely, type RawBuilder, sql } from "kysely";
import { insideMembership } from "./membership-window.js";
import type { MessageRow } from "./messages.js";
import type { Database } from "./schema.js";

/** One thing to look for: a word, or words next to each other. Plain text, never syntax. */
export interface SearchTerm {
  kind: "word" | "phrase";
  text: string;
}

/** Where the previous page ended: the last hit's rank and message id. */
export interface SearchCursor {
  rank: number;
  id: string;
}

export interface SearchRequest {
  userId: string;
  /** All must match. */
  terms: SearchTerm[];
  senderId?: string | undefined;
  /** Only these conversations (an empty list finds nothing). */
  conversationIds?: string[] | undefined;
  before?: SearchCursor | undefined;
  limit: number;
}

export interface Snippet {
  text: string;
  /** [start, end) offsets of the matched words in `text`, in UTF-16 code units. */
  highlights: [number, number][];
}

export interface SearchHit {
  message: MessageRow;
  /** Higher is more relevant; the scale differs between engines. */
  rank: number;
  snippet: Snippet;
}

/** A ranked match before its message row is loaded; `marked` holds the snippet markers. */
export interface RankedMatch {
  id: string;
  rank: number;
  marked: string;
}

/** How one engine finds, ranks and excerpts matches. */
export interface SearchDialect {
  find(db: Kysely<Database>, request: SearchRequest): Promise<RankedMatch[]>;
}

// Control characters never meant to be seen; the engines put them around each match.
export const MARK_OPEN = "\u0002";
export const MARK_CLOSE = "\u0003";
export const SNIPPET_WORDS = 24;

/**
 * The conditions every engine adds to its match, over `messages as m` joined to the
 * caller's row in `conversation_members as cm`.
 */
export function visibleAndFiltered(request: SearchRequest): RawBuilder<unknown> {
  const conditions: RawBuilder<unknown>[] = [
    sql`m.deleted_at is null`,
    insideMembership("seq", "m.seq", "cm"),
  ];
  if (request.senderId !== undefined) conditions.push(sql`m.sender_id = ${request.senderId}`);
  if (request.conversationIds !== undefined) {
    conditions.push(sql`m.conversation_id in (${sql.join(request.conversationIds)})`);
  }
  return sql.join(conditions, sql` and `);
}

/** Keeps the hits after the cursor, in the order they are listed: rank down, then id down. */
export function afterCursor(cursor: SearchCursor | undefined, rank: RawBuilder<unknown>) {
  if (!cursor) return sql`1 = 1`;
  return sql`(${rank} < ${cursor.rank} or (${rank} = ${cursor.rank} and h.id < ${cursor.id}))`;
}

/** Turns an engine's marked excerpt into plain text plus the ranges to highlight. */
export function parseMarkedSnippet(marked: string): Snippet {
  let text = "";
  const highlights: [number, number][] = [];
  let openedAt: number | undefined;
  for (const char of marked) {
    if (char === MARK_OPEN) {
      openedAt ??= text.length;
    } else if (char === MARK_CLOSE) {
      if (openedAt !== undefined && text.length > openedAt) {
        const previous = highlights.at(-1);
        // Matches only whitespace apart (a phrase's words) read better as one range.
        if (previous && text.slice(previous[1], openedAt).trim() === "") {
          previous[1] = text.length;
        } else highlights.push([openedAt, text.length]);
      }
      openedAt = undefined;
    } else {
      text += char;
    }
  }
  return { text, highlights };
}

/** A term's text as the engines may take it: NUL, which PostgreSQL refuses, as a space. */
export function searchableText(term: SearchTerm): string {
  return term.text.replaceAll("\u0000", " ");
}
