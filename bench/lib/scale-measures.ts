/**
 * What `scale` measures at each size, against a running server: history pages, search,
 * the conversation list, and a resume after an hour offline. Each runs for a fixed time
 * with a few requests in flight and reports latency percentiles and errors.
 */
import {
  type ConversationView,
  FIRST_CONVERSATIONS_PAGE,
  MAX_CONVERSATIONS_PAGE,
  type MessageView,
} from "@private-chat/protocol/chat";
import type { SearchResponse } from "@private-chat/protocol/search";
import WebSocket from "ws";
import { type BenchUser, chatSocketUrl } from "./accounts.js";
import type { ChildService } from "./children.js";
import { mapBounded } from "./pool.js";
import {
  COMMON_TERMS,
  messagesIn,
  RARE_TERMS,
  type ScalePlan,
  scaleConversationId,
} from "./seed-scale.js";
import { LatencyRecorder, type LatencySummary, perSecond } from "./stats.js";

export interface Timed {
  latency_ms: LatencySummary;
  per_s: number;
  errors: number;
  /** Answers that did not hold what the seeded data says they must. */
  wrong: number;
}

const WARMUP_CALLS = 10;

/** Runs `once` from `concurrency` callers for `seconds`; `once` returns false for a wrong answer. */
async function timed(
  concurrency: number,
  seconds: number,
  once: (i: number) => Promise<boolean>,
): Promise<Timed> {
  // Unmeasured first calls: the server's code paths compile on their first requests.
  for (let i = 0; i < WARMUP_CALLS; i++) await once(i).catch(() => false);
  const latency = new LatencyRecorder();
  let done = 0;
  let errors = 0;
  let wrong = 0;
  const start = performance.now();
  const stopAt = start + seconds * 1000;
  await mapBounded(concurrency, concurrency, async () => {
    while (performance.now() < stopAt) {
      const sent = performance.now();
      try {
        if (!(await once(done))) wrong += 1;
      } catch {
        errors += 1;
      }
      latency.recordMs(performance.now() - sent);
      done += 1;
    }
  });
  return {
    latency_ms: latency.summary(),
    per_s: perSecond(done, performance.now() - start),
    errors,
    wrong,
  };
}

export interface MeasureContext {
  server: ChildService;
  user: BenchUser;
  plan: ScalePlan;
  /** Messages in the database now. */
  total: number;
  concurrency: number;
  seconds: number;
}

const PAGE = 50;

/**
 * A GET of the documented REST API with plain fetch and JSON.parse: the SDK would check
 * every answer against its schema, which costs the generator (on the same cores) more
 * than the server's own work for a page.
 */
function reader(m: MeasureContext): <T>(path: string) => Promise<T> {
  const headers = { authorization: `Bearer ${m.user.token}` };
  return async <T>(path: string) => {
    const response = await fetch(`${m.server.url}/api/v1${path}`, { headers });
    if (!response.ok) throw new Error(`GET ${path}: ${response.status}`);
    return (await response.json()) as T;
  };
}

/** Pages at random places: half in the big conversation, half in the others. */
export function historyPages(m: MeasureContext): Promise<Timed> {
  const get = reader(m);
  return timed(m.concurrency, m.seconds, async (i) => {
    const index = i % 2 === 0 ? 0 : 1 + Math.floor(Math.random() * (m.plan.conversations - 1));
    const count = messagesIn(m.plan, index, m.total);
    if (count === 0) return true;
    const before = 2 + Math.floor(Math.random() * count);
    const id = scaleConversationId(m.plan, index);
    const { messages: page } = await get<{ messages: MessageView[] }>(
      `/conversations/${id}/messages?before=${before}&limit=${PAGE}`,
    );
    return (
      page.length === Math.min(PAGE, before - 1) && page[0]?.seq === Math.max(1, before - PAGE)
    );
  });
}

export type SearchKind = "rare" | "common";

/** Searches the person's messages for a term found in one message of 1,000, or of 97. */
export function searches(m: MeasureContext, kind: SearchKind): Promise<Timed> {
  const get = reader(m);
  const terms = kind === "rare" ? RARE_TERMS : COMMON_TERMS;
  const prefix = kind === "rare" ? "w" : "t";
  return timed(m.concurrency, m.seconds, async () => {
    const term = Math.floor(Math.random() * Math.min(terms, m.total));
    const answer = await get<SearchResponse>(`/search?q=${prefix}${term}&limit=20`);
    return answer.results.length > 0;
  });
}

interface ListPage {
  conversations: ConversationView[];
  next_cursor: string | null;
}

export interface ListFigures extends Timed {
  /** The first page's JSON, in bytes. */
  bytes: number;
}

/** The first page of the conversation list, as the apps ask for it. */
export async function conversationList(m: MeasureContext): Promise<ListFigures> {
  const get = reader(m);
  const path = `/conversations?limit=${FIRST_CONVERSATIONS_PAGE}`;
  const figures = await timed(m.concurrency, m.seconds, async () => {
    const page = await get<ListPage>(path);
    return page.conversations.length === Math.min(FIRST_CONVERSATIONS_PAGE, m.plan.conversations);
  });
  const response = await fetch(`${m.server.url}/api/v1${path}`, {
    headers: { authorization: `Bearer ${m.user.token}` },
  });
  return { ...figures, bytes: (await response.arrayBuffer()).byteLength };
}

/**
 * Every page of the list, one reader, as the apps read it at start without a cache: the
 * first page, then the rest in pages of MAX_CONVERSATIONS_PAGE.
 */
export function wholeConversationList(m: MeasureContext): Promise<Timed> {
  const get = reader(m);
  return timed(1, m.seconds, async () => {
    let count = 0;
    let cursor: string | null = null;
    do {
      const page: ListPage = await get<ListPage>(
        cursor === null
          ? `/conversations?limit=${FIRST_CONVERSATIONS_PAGE}`
          : `/conversations?limit=${MAX_CONVERSATIONS_PAGE}&cursor=${encodeURIComponent(cursor)}`,
      );
      count += page.conversations.length;
      cursor = page.next_cursor;
    } while (cursor !== null);
    return count === m.plan.conversations;
  });
}

export interface ResumeFigures extends Timed {
  /** Events replayed per resume. */
  events: number;
}

/**
 * Connects with `since` set to the last cursor before the newest hour and times until
 * the `synced` frame that ends the replay; one resume at a time.
 */
export async function resumeAfterAnHour(m: MeasureContext, since: number): Promise<ResumeFigures> {
  let events = 0;
  const figures = await timed(1, m.seconds, async () => {
    events = await resumeOnce(`${chatSocketUrl(m.server.wsUrl, m.user)}&since=${since}`);
    return events > 0;
  });
  return { ...figures, events };
}

function resumeOnce(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    let events = 0;
    const timer = setTimeout(() => {
      ws.terminate();
      reject(new Error("no synced frame within 30 s"));
    }, 30_000);
    ws.on("message", (data) => {
      const text = data.toString();
      if (text.includes('"type":"synced"')) {
        clearTimeout(timer);
        ws.close(1000);
        resolve(events);
      } else if (text.includes('"cursor"') && !text.includes('"type":"ready"')) events += 1;
    });
    ws.on("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    ws.on("close", () => {
      clearTimeout(timer);
      reject(new Error("closed before synced"));
    });
  });
}
