/**
 * Search on SQLite: the FTS5 table `message_search` (migration 006), ranked by bm25
 * among the newest SEARCH_DEPTH matches (doc ids grow with time, and FTS5 walks its
 * matches in rowid order, so the walk stops there instead of ranking them all).
 * Every term goes to MATCH as one double-quoted FTS5 string, so user text is never read
 * as FTS5 syntax (NEAR, OR, *, ^, column filters): a quoted string is only ever a phrase.
 */
import { type Kysely, sql } from "kysely";
import type { Database } from "../schema.js";
import {
  afterCursor,
  type RankedMatch,
  SEARCH_DEPTH,
  type SearchDialect,
  type SearchTerm,
  SNIPPET_WORDS,
  searchableText,
  visibleAndFiltered,
} from "../search-request.js";

/** An FTS5 query that requires every term, each as a quoted phrase. */
export function ftsMatch(terms: SearchTerm[]): string {
  return terms.map((term) => `"${searchableText(term).replaceAll('"', '""')}"`).join(" ");
}

export const sqliteSearch: SearchDialect = {
  async find(db: Kysely<Database>, request, marks) {
    const match = ftsMatch(request.terms);
    const ranked = await sql<{ id: string; doc_id: number; rank: number }>`
      select h.id, h.doc_id, h.rank from (
        select d.message_id as id, d.doc_id as doc_id, -bm25(message_search) as rank
        from message_search
        join message_search_docs d on d.doc_id = message_search.rowid
        join messages m on m.id = d.message_id
        join conversation_members cm
          on cm.conversation_id = m.conversation_id and cm.user_id = ${request.userId}
        where message_search match ${match} and ${visibleAndFiltered(request)}
        order by message_search.rowid desc
        limit ${SEARCH_DEPTH}
      ) h
      where ${afterCursor(request.before, sql`h.rank`)}
      order by h.rank desc, h.id desc
      limit ${request.limit}`.execute(db);
    if (ranked.rows.length === 0) return [];

    // Excerpts only for the page, not for every match that was ranked.
    const excerpts = await sql<{ doc_id: number; marked: string }>`
      select rowid as doc_id,
        snippet(message_search, 0, ${marks.open}, ${marks.close}, '…', ${SNIPPET_WORDS}) as marked
      from message_search
      where message_search match ${match}
        and rowid in (${sql.join(ranked.rows.map((r) => r.doc_id))})`.execute(db);
    const marked = new Map(excerpts.rows.map((r) => [r.doc_id, r.marked]));
    return ranked.rows.map(
      (row): RankedMatch => ({ id: row.id, rank: row.rank, marked: marked.get(row.doc_id) ?? "" }),
    );
  },
};

/**
 * Indexes one message stored through Kysely (the general send path), as search-index.ts
 * indexes the writer thread's batches.
 */
export async function indexMessage(db: Kysely<Database>, messageId: string): Promise<void> {
  await sql`insert into message_search_docs (message_id) values (${messageId})`.execute(db);
  await sql`insert into message_search (rowid, body)
    select d.doc_id, m.body from message_search_docs d join messages m on m.id = d.message_id
    where d.message_id = ${messageId} and m.deleted_at is null and m.mls_kind is null`.execute(db);
}
