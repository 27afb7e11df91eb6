/**
 * Full-text search over the messages a user may read, over either engine.
 */
import type { Kysely } from "kysely";
import { normaliseMessage } from "./messages.js";
import { postgresSearch } from "./postgres/search.js";
import type { Database } from "./schema.js";
import {
  newSnippetMarks,
  parseMarkedSnippet,
  type SearchDialect,
  type SearchHit,
  type SearchRequest,
} from "./search-request.js";
import { sqliteSearch } from "./sqlite/search.js";

export type {
  SearchCursor,
  SearchHit,
  SearchRequest,
  SearchTerm,
  Snippet,
} from "./search-request.js";

export class SearchStore {
  private readonly dialect: SearchDialect;

  constructor(
    private readonly db: Kysely<Database>,
    engine: "sqlite" | "postgres",
  ) {
    this.dialect = engine === "postgres" ? postgresSearch : sqliteSearch;
  }

  /** The best matches the user may read, most relevant first, after `before` if given. */
  async search(request: SearchRequest): Promise<SearchHit[]> {
    if (request.terms.length === 0 || request.conversationIds?.length === 0) return [];
    const marks = newSnippetMarks();
    const matches = await this.dialect.find(this.db, request, marks);
    if (matches.length === 0) return [];
    const rows = await this.db
      .selectFrom("messages")
      .selectAll()
      .where(
        "id",
        "in",
        matches.map((m) => m.id),
      )
      .execute();
    const byId = new Map(rows.map((row) => [row.id, normaliseMessage(row)]));
    const hits: SearchHit[] = [];
    for (const match of matches) {
      const message = byId.get(match.id);
      // Gone between the two reads (deleted meanwhile): leave it out.
      if (!message || message.deleted_at !== null) continue;
      hits.push({ message, rank: match.rank, snippet: parseMarkedSnippet(match.marked, marks) });
    }
    return hits;
  }
}
