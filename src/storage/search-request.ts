/**
 * What both search engines share: the request, who may see which message, the filters,
 * the cursor and the snippet markers. How each engine matches and ranks lives in
 * sqlite/search.ts and postgres/search.ts.
 */
import { randomBytes } from "node:crypto";
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

/** How one engine finds, ranks and excerpts matches, marking each match with `marks`. */
export interface SearchDialect {
  find(db: Kysely<Database>, request: SearchRequest, marks: SnippetMarks): Promise<RankedMatch[]>;
}

/** What an engine puts around each match in its excerpt. */
export interface SnippetMarks {
  open: string;
  close: string;
}

/**
 * Fresh marks for one search. A message body may hold any character (control characters
 * included), so a fixed marker could be typed into a body to forge highlights; a random
 * nonce in each mark, new for every search, cannot be. The control character in front
 * keeps the marks from joining the words the engines see around them.
 */
export function newSnippetMarks(): SnippetMarks {
  const nonce = randomBytes(12).toString("hex");
  return { open: `\u0002${nonce}o`, close: `\u0003${nonce}c` };
}

export const SNIPPET_WORDS = 24;

/**
 * Search ranks the most recent matches the user may read, this many at most: ranking
 * every match of a common word in ten million messages takes seconds, and in a chat the
 * message looked for is nearly always among the recent ones. More words, `in:` or
 * `from:` narrow a search to reach further back.
 */
export const SEARCH_DEPTH = 2000;

/**
 * The conditions every engine adds to its match, over `messages as m` joined to the
 * caller's row in `conversation_members as cm`.
 */
export function visibleAndFiltered(request: SearchRequest): RawBuilder<unknown> {
  const conditions: RawBuilder<unknown>[] = [
    sql`m.deleted_at is null`,
    // Encrypted messages are ciphertext: only their members' devices can search them.
    sql`m.mls_kind is null`,
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

/**
 * Turns an engine's marked excerpt into plain text plus the ranges to highlight. Only the
 * exact marks of this search count; anything else, a body's own control characters
 * included, is text.
 */
export function parseMarkedSnippet(marked: string, marks: SnippetMarks): Snippet {
  let text = "";
  const highlights: [number, number][] = [];
  let openedAt: number | undefined;
  const pattern = new RegExp(`${escapeRegExp(marks.open)}|${escapeRegExp(marks.close)}`, "g");
  let from = 0;
  for (const found of marked.matchAll(pattern)) {
    text += marked.slice(from, found.index);
    from = found.index + found[0].length;
    if (found[0] === marks.open) {
      openedAt ??= text.length;
    } else {
      if (openedAt !== undefined && text.length > openedAt) {
        const previous = highlights.at(-1);
        // Matches only whitespace apart (a phrase's words) read better as one range.
        if (previous && text.slice(previous[1], openedAt).trim() === "") {
          previous[1] = text.length;
        } else highlights.push([openedAt, text.length]);
      }
      openedAt = undefined;
    }
  }
  text += marked.slice(from);
  return { text, highlights };
}

/** `text` matched literally inside a regular expression. */
export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** A term's text as the engines may take it: NUL, which PostgreSQL refuses, as a space. */
export function searchableText(term: SearchTerm): string {
  return term.text.replaceAll("\u0000", " ");
}
