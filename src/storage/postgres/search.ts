/**
 * Search on PostgreSQL: the GIN expression index on to_tsvector('simple', body) over the
 * messages neither deleted nor encrypted (migrations 006 and 035), ranked by ts_rank among the newest SEARCH_DEPTH matches: ts_rank
 * computes each document's vector again, and doing so for every match of a common word
 * would take seconds. User text only ever reaches PostgreSQL as a bound
 * parameter of plainto_tsquery/phraseto_tsquery, which read it as plain words, never as
 * tsquery syntax (&, |, !, <->, :*).
 */
import { type Kysely, type RawBuilder, sql } from "kysely";
import type { Database } from "../schema.js";
import {
  afterCursor,
  escapeRegExp,
  type RankedMatch,
  SEARCH_DEPTH,
  type SearchDialect,
  type SearchRequest,
  type SearchTerm,
  SNIPPET_WORDS,
  type SnippetMarks,
  searchableText,
  visibleAndFiltered,
} from "../search-request.js";

// Must stay the very expression of the index, or PostgreSQL will not use it.
const DOCUMENT = sql`to_tsvector('simple'::regconfig, replace(m.body, '<', ' '))`;

// ts_headline would drop what looks like HTML from the excerpt, so '<' travels through it
// as a control character and comes back afterwards. A body's own U+0004 is first made
// U+FFFD, so that it cannot come back as a '<' the sender never wrote.
const LESS_THAN_STAND_IN = "\u0004";
const STAND_IN_STAND_IN = "\ufffd";

/** A tsquery requiring every term: a word's lexemes, or a phrase's in order. */
export function tsQuery(terms: SearchTerm[]): RawBuilder<unknown> {
  const parts = terms.map((term) =>
    term.kind === "phrase"
      ? sql`phraseto_tsquery('simple'::regconfig, ${searchableText(term)})`
      : sql`plainto_tsquery('simple'::regconfig, ${searchableText(term)})`,
  );
  return sql`(${sql.join(parts, sql` && `)})`;
}

// The default (non-fragment) mode keeps a short message whole, punctuation included.
function headlineOptions(marks: SnippetMarks): string {
  return (
    `StartSel=${marks.open}, StopSel=${marks.close}, MaxWords=${SNIPPET_WORDS}, ` +
    `MinWords=${Math.floor(SNIPPET_WORDS / 2)}, ShortWord=0`
  );
}

/**
 * The headline with '<' restored, and an ellipsis where it cuts the body short. The
 * stand-ins are one code unit for one, so once the headline's text is found in the body,
 * its characters are taken from the body itself: a body's own U+0004 comes back as it was.
 */
function excerpt(rawBody: string, headline: string, marks: SnippetMarks): string {
  const body = rawBody.replaceAll(LESS_THAN_STAND_IN, STAND_IN_STAND_IN);
  const marked = headline.replaceAll(LESS_THAN_STAND_IN, "<");
  const plain = marked.replaceAll(marks.open, "").replaceAll(marks.close, "");
  const at = body.indexOf(plain);
  if (at < 0) return `…${marked}…`;
  let offset = at;
  const restored = marked
    .split(new RegExp(`(${escapeRegExp(marks.open)}|${escapeRegExp(marks.close)})`))
    .map((part) => {
      if (part === marks.open || part === marks.close) return part;
      const original = rawBody.slice(offset, offset + part.length);
      offset += part.length;
      return original;
    })
    .join("");
  return `${at === 0 ? "" : "…"}${restored}${at + plain.length === body.length ? "" : "…"}`;
}

/**
 * Memory for the search's bitmap of matching rows. At PostgreSQL's default (4 MB) the
 * bitmap of a common word in millions of messages turns lossy, and every row of every
 * page it names is read and its vector computed again: seconds instead of milliseconds.
 */
const SEARCH_WORK_MEM = "64MB";

export const postgresSearch: SearchDialect = {
  find(db: Kysely<Database>, request, marks) {
    return db.transaction().execute(async (tx) => {
      await sql`select set_config('work_mem', ${SEARCH_WORK_MEM}, true)`.execute(tx);
      return findIn(tx, request, marks);
    });
  },
};

async function findIn(
  db: Kysely<Database>,
  request: SearchRequest,
  marks: SnippetMarks,
): Promise<RankedMatch[]> {
  const { rows } = await searchQuery(request, marks).execute(db);
  return rows.map(
    (row): RankedMatch => ({
      id: row.id,
      rank: row.rank,
      marked: excerpt(row.body, row.marked, marks),
    }),
  );
}

/** The search's statement; exported so that a test can read the plan PostgreSQL makes of it. */
export function searchQuery(request: SearchRequest, marks: SnippetMarks) {
  const query = tsQuery(request.terms);
  return sql<{ id: string; rank: number; body: string; marked: string }>`
    select h.id, h.rank, h.body,
      ts_headline('simple'::regconfig,
        replace(replace(h.body, ${LESS_THAN_STAND_IN}, ${STAND_IN_STAND_IN}), '<', ${LESS_THAN_STAND_IN}),
        ${query}, ${headlineOptions(marks)}) as marked
    from (
      select m.id, m.body, ts_rank(${DOCUMENT}, ${query})::float8 as rank
      from (
        select m.* from messages m
        join conversation_members cm
          on cm.conversation_id = m.conversation_id and cm.user_id = ${request.userId}
        where ${DOCUMENT} @@ ${query} and ${visibleAndFiltered(request)}
        order by m.created_at desc, m.id desc
        limit ${SEARCH_DEPTH}
      ) m
    ) h
    where ${afterCursor(request.before, sql`h.rank`)}
    order by h.rank desc, h.id desc
    limit ${request.limit}`;
}
