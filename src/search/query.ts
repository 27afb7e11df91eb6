/**
 * The search box's little language, parsed into plain data. Nothing here is ever passed
 * to a database as syntax: storage turns each term into a quoted FTS5 string or a
 * tsquery built by PostgreSQL from plain text.
 *
 *   words            every word must appear (in any order)
 *   "a phrase"       these words, next to each other; an unclosed quote runs to the end
 *   from:alice       only messages sent by the user named alice
 *   in:<name or id>  only the conversation with this id, group title or direct partner
 *   from:"x y"       an operator's value may be quoted too
 *
 * Operators are case-insensitive; `word:thing` with any other prefix is an ordinary word.
 */
import { AppError } from "../errors.js";
import type { SearchTerm } from "../storage/search.js";

export type { SearchTerm };

export const MAX_QUERY_CHARS = 256;

export interface ParsedQuery {
  terms: SearchTerm[];
  from?: string;
  in?: string;
}

type Operator = "from" | "in";
const OPERATOR = /^(from|in):/i;
// A term with no letter or digit holds nothing either engine indexes.
const SEARCHABLE = /[\p{L}\p{N}]/u;

function invalid(message: string): AppError {
  return new AppError("invalid_query", message);
}

/** Reads a quoted string starting at `start` (just after its opening quote). */
function readQuoted(input: string, start: number): { text: string; end: number } {
  const close = input.indexOf('"', start);
  if (close === -1) return { text: input.slice(start), end: input.length };
  return { text: input.slice(start, close), end: close + 1 };
}

/** Reads up to the next whitespace. */
function readBare(input: string, start: number): { text: string; end: number } {
  const match = /\s/u.exec(input.slice(start));
  const end = match ? start + match.index : input.length;
  return { text: input.slice(start, end), end };
}

function readValue(input: string, start: number): { text: string; end: number } {
  return input[start] === '"' ? readQuoted(input, start + 1) : readBare(input, start);
}

/**
 * Parses a search query. Throws `invalid_query` when it is empty, too long, repeats or
 * empties an operator, or has nothing left to search for.
 */
export function parseQuery(input: string): ParsedQuery {
  const length = [...input].length;
  if (length > MAX_QUERY_CHARS) {
    throw invalid(`a search is at most ${MAX_QUERY_CHARS} characters (this one has ${length})`);
  }
  const terms: SearchTerm[] = [];
  const operators: Partial<Record<Operator, string>> = {};
  let at = 0;
  while (at < input.length) {
    const char = input[at] as string;
    if (/\s/u.test(char)) {
      at += 1;
      continue;
    }
    if (char === '"') {
      const { text, end } = readQuoted(input, at + 1);
      const words = text.trim().split(/\s+/u);
      terms.push({ kind: words.length > 1 ? "phrase" : "word", text: words.join(" ") });
      at = end;
      continue;
    }
    const operator = OPERATOR.exec(input.slice(at));
    if (operator) {
      const name = (operator[1] as string).toLowerCase() as Operator;
      const { text, end } = readValue(input, at + operator[0].length);
      const value = text.trim();
      if (value === "") throw invalid(`${name}: needs a value, for example ${name}:alice`);
      if (operators[name] !== undefined) throw invalid(`a search takes ${name}: once`);
      operators[name] = value;
      at = end;
      continue;
    }
    const { text, end } = readBare(input, at);
    terms.push({ kind: "word", text });
    at = end;
  }
  const searchable = terms.filter((term) => SEARCHABLE.test(term.text));
  if (searchable.length === 0) throw invalid("a search needs at least one word to look for");
  return { terms: searchable, ...operators };
}
