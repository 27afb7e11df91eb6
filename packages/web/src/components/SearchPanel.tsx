/**
 * Message search: a search box, then results with their conversation, sender, time and
 * an excerpt whose matches are marked. Choosing a result opens the conversation at that
 * message. Excerpts are message text, so they are only ever rendered as text nodes.
 */

import { isThreadOnly } from "@private-chat/sdk";
import type { JSX } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import { errorText } from "../api.js";
import { conversationTitle, fullTime, listTime, memberName } from "../format.js";
import { chatHref, navigate, searchHref, threadHref } from "../router.js";
import { chat } from "../state/chat.js";
import { revealMessage, type SearchResultView, searchMessages } from "../state/search.js";
import { useStore } from "../state/store.js";
import { PageHead } from "./PageHead.js";

interface Found {
  q: string;
  results: SearchResultView[];
  next: string | undefined;
  loading: boolean;
  error: string | null;
}

/** The excerpt with each highlighted range in a <mark>, as text nodes only. */
function Excerpt({ text, highlights }: { text: string; highlights: [number, number][] }) {
  const parts: JSX.Element[] = [];
  let at = 0;
  for (const [start, end] of [...highlights].sort((a, b) => a[0] - b[0])) {
    const from = Math.max(start, at);
    const to = Math.min(end, text.length);
    if (to <= from) continue;
    if (from > at) parts.push(<span key={`t${at}`}>{text.slice(at, from)}</span>);
    parts.push(<mark key={`m${from}`}>{text.slice(from, to)}</mark>);
    at = to;
  }
  if (at < text.length) parts.push(<span key={`t${at}`}>{text.slice(at)}</span>);
  return <span class="hit-snippet">{parts}</span>;
}

function Hit({ hit }: { hit: SearchResultView }) {
  const conv = useStore(chat, (s) => s.convs[hit.conversation_id]);
  const me = useStore(chat, (s) => s.me?.id);
  const { message } = hit;
  const title = conv ? conversationTitle(conv, me) : "Conversation";
  const sender = message.sender_id === me ? "You" : memberName(conv, message.sender_id);
  const inThread = isThreadOnly(message) ? message.thread_id : undefined;
  return (
    <li>
      <a
        class="search-hit"
        href={
          // A reply in its thread alone is found in the thread, beside the conversation.
          inThread ? threadHref(hit.conversation_id, inThread) : chatHref(hit.conversation_id)
        }
        onClick={() =>
          revealMessage({
            conversationId: hit.conversation_id,
            messageId: message.id,
            seq: message.seq,
            ...(inThread
              ? { thread: { rootId: inThread, threadSeq: message.thread_seq ?? 0 } }
              : {}),
          })
        }
      >
        <span class="hit-top">
          <span class="hit-conv">{title}</span>
          <time
            class="hit-time"
            dateTime={new Date(message.created_at).toISOString()}
            title={fullTime(message.created_at)}
          >
            {listTime(message.created_at)}
          </time>
        </span>
        <span class="hit-sender">{sender}</span>
        <Excerpt text={hit.snippet} highlights={hit.highlights} />
      </a>
    </li>
  );
}

function statusText(found: Found | null): string {
  if (!found || found.error) return "";
  if (found.loading && found.results.length === 0) return "Searching…";
  const n = found.results.length;
  if (n === 0) return "No messages match.";
  return `${n}${found.next ? "+" : ""} message${n === 1 ? "" : "s"} found`;
}

export function SearchPanel({ q }: { q: string }) {
  const [text, setText] = useState(q);
  const [found, setFound] = useState<Found | null>(null);
  const latest = useRef(0);
  const input = useRef<HTMLInputElement>(null);

  async function run(query: string, before?: string) {
    const ticket = ++latest.current;
    setFound((f) =>
      before && f
        ? { ...f, loading: true }
        : { q: query, results: [], next: undefined, loading: true, error: null },
    );
    try {
      const page = await searchMessages(query, before);
      if (ticket !== latest.current) return;
      setFound((f) => ({
        q: query,
        results: before && f ? [...f.results, ...page.results] : page.results,
        next: page.next_before,
        loading: false,
        error: null,
      }));
    } catch (err) {
      if (ticket !== latest.current) return;
      setFound((f) => ({
        q: query,
        results: before && f ? f.results : [],
        next: before && f ? f.next : undefined,
        loading: false,
        error: errorText(err),
      }));
    }
  }

  useEffect(() => {
    setText(q);
    if (q.trim()) void run(q);
    else setFound(null);
  }, [q]);

  useEffect(() => input.current?.focus(), []);

  function submit(event: Event) {
    event.preventDefault();
    const query = text.trim();
    if (!query) return;
    // The query lives in the address, so Back from a conversation returns to the results.
    if (query === q) void run(query);
    else navigate(searchHref(query), true);
  }

  return (
    <section class="page search-page" aria-labelledby="search-title">
      <PageHead id="search-title" title="Search messages" />
      <div class="page-body">
        <search>
          <form class="search-form" onSubmit={submit}>
            <input
              ref={input}
              type="search"
              aria-label="Search messages"
              aria-describedby="search-hint"
              placeholder="Search messages"
              maxLength={256}
              value={text}
              onInput={(e) => setText(e.currentTarget.value)}
            />
            <button type="submit" class="primary" disabled={!text.trim()}>
              Search
            </button>
          </form>
        </search>
        <p id="search-hint" class="hint">
          Every word must appear. Use "quotes" for a phrase, from:username for one sender and
          in:name for one conversation.
        </p>
        <p class="search-status" role="status">
          {statusText(found)}
        </p>
        {found?.error && (
          <p class="error" role="alert">
            {found.error}
          </p>
        )}
        {found && found.results.length > 0 && (
          <ul class="search-results" aria-label="Search results">
            {found.results.map((hit) => (
              <Hit key={hit.message.id} hit={hit} />
            ))}
          </ul>
        )}
        {found?.next && (
          <button
            type="button"
            disabled={found.loading}
            onClick={() => found.next && void run(found.q, found.next)}
          >
            {found.loading ? "Loading…" : "More results"}
          </button>
        )}
      </div>
    </section>
  );
}
