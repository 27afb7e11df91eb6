/**
 * The rules of storing a message, stated once for every path that stores one: SQLite's
 * prepared statements, PostgreSQL's `unnest` batches and the general send path (replies,
 * mentions, attachments) all run `appendPlan`, which says in order what happens and
 * decides every outcome. An engine only answers the plan's steps with its SQL:
 *
 * 1. find: which senders may post (a member: their membership period is open), and which
 *    (conversation, sender, client_id) already name a stored message.
 * 2. decide: a sender who is no member is refused; a client_id seen before, stored or
 *    earlier in the same batch, is answered with that earlier row and stores nothing.
 * 3. check: what the general path adds (reply target, thread, attachments); plain
 *    messages have nothing to check. A refusal here writes nothing; a thread reply's
 *    place in its thread is taken last, once nothing can refuse it.
 * 4. reserve: seq = last_seq + 1 per conversation, gapless: n seqs per conversation at
 *    once, handed out in request order.
 * 5. write: the rows; each sender's read mark moves to their newest seq; one
 *    `message.new` event per stored message, in row order, its id being the cursor.
 */
import type { AttachmentView } from "@private-chat/protocol/attachments";
import type { MlsKind } from "@private-chat/protocol/encrypted";
import { presentMessage } from "@private-chat/protocol/present-message";
import { REFERENCE_PAYLOAD } from "./event-reference.js";
import type { MessageRow } from "./messages.js";
import { timeOrderedId } from "./time-ordered-id.js";

/** What the server read of an encrypted conversation's MLS message (its clear header). */
export interface MlsHeader {
  kind: MlsKind;
  epoch: number;
  /** A commit's welcome for the devices it adds (base64url). */
  welcome: string | null;
}

export interface AppendRequest {
  conversationId: string;
  senderId: string;
  body: string;
  clientId: string | null;
  /** General path only: the message this one answers. */
  replyTo?: string | null;
  /** General path only: post in the thread of this message (its root, or a reply of it). */
  threadId?: string | null;
  /** With threadId: the timeline shows the reply too. */
  alsoToConversation?: boolean;
  /** General path only: an encrypted conversation's MLS message (`body` its base64url). */
  mls?: MlsHeader;
}

/** What happened to one request of the batch, in request order. */
export type AppendResult =
  | { kind: "stored"; row: MessageRow; cursor: number; payload: string }
  | { kind: "duplicate"; row: MessageRow }
  | { kind: "not_member" }
  /** Refused by a check of the general path (the error says why). */
  | { kind: "refused"; error: unknown };

export interface AppendBatch {
  requests: AppendRequest[];
  now: number;
  /** Log each message.new as a reference to its message (storage/event-format.ts). */
  references?: boolean;
}

/** What step 1 found. */
export interface Found {
  /** `sendKey(conversation, sender)` of every sender who is a member. */
  members: Set<string>;
  /** `sendKey(conversation, sender, client_id)` -> the message stored with it. */
  earlier: Map<string, MessageRow>;
}

/** A thread reply's root and its place in the thread, taken by the check. */
export interface ThreadPlace {
  rootId: string;
  seq: number;
}

/** A check's verdict on one message: refused, or what the message carries besides. */
export type Checked =
  | { refused: unknown }
  | { attachments?: AttachmentView[]; thread?: ThreadPlace };

export interface ReadMark {
  conversationId: string;
  userId: string;
  seq: number;
}

/** What a synchronous engine (SQLite) answers, inside its transaction. */
export interface AppendEngine {
  find(requests: AppendRequest[]): Found;
  /** Adds n to each conversation's last_seq; returns the new last_seq of each. */
  reserve(counts: Map<string, number>, now: number): Map<string, number>;
  /**
   * Inserts rows, moves read marks, logs events; returns the events' ids in row order.
   * `payloads` are the whole events, `stored` what the log keeps of each (the payload or
   * a reference to the message); `requests` the rows' requests, for engines that carry
   * more than the row.
   */
  write(
    rows: MessageRow[],
    marks: ReadMark[],
    payloads: string[],
    now: number,
    requests: AppendRequest[],
    stored: string[],
  ): number[];
}

/** The same answered asynchronously (PostgreSQL, the general path), plus the checks. */
export interface AsyncAppendEngine {
  find(requests: AppendRequest[]): Promise<Found>;
  check?(requests: AppendRequest[], now: number): Promise<Checked[]>;
  reserve(counts: Map<string, number>, now: number): Promise<Map<string, number>>;
  write(
    rows: MessageRow[],
    marks: ReadMark[],
    payloads: string[],
    now: number,
    requests: AppendRequest[],
    stored: string[],
  ): Promise<number[]>;
}

export const sendKey = (...parts: string[]): string => parts.join("\u0000");

/** The stored payload of a new message's event, serialised once. */
export function messageNewPayload(row: MessageRow, attachments?: AttachmentView[]): string {
  const message = presentMessage(row);
  if (attachments && attachments.length > 0) message.attachments = attachments;
  return JSON.stringify({ type: "message.new", conversation_id: row.conversation_id, message });
}

type Step =
  | { step: "find"; requests: AppendRequest[] }
  | { step: "check"; requests: AppendRequest[]; now: number }
  | { step: "reserve"; counts: Map<string, number>; now: number }
  | {
      step: "write";
      rows: MessageRow[];
      marks: ReadMark[];
      payloads: string[];
      stored: string[];
      now: number;
      requests: AppendRequest[];
    };

/** The plan: yields each step for the engine to answer, returns the results. */
function* appendPlan({
  requests,
  now,
  references,
}: AppendBatch): Generator<Step, AppendResult[], unknown> {
  const results: AppendResult[] = new Array(requests.length);
  // 1. find
  const found = (yield { step: "find", requests }) as Found;
  // 2. decide, in request order
  let fresh: number[] = [];
  const repeats: { index: number; of: number }[] = [];
  const firstWithKey = new Map<string, number>();
  requests.forEach(({ conversationId, senderId, clientId }, index) => {
    if (!found.members.has(sendKey(conversationId, senderId))) {
      results[index] = { kind: "not_member" };
      return;
    }
    if (clientId !== null) {
      const key = sendKey(conversationId, senderId, clientId);
      const original = found.earlier.get(key);
      if (original) {
        results[index] = { kind: "duplicate", row: original };
        return;
      }
      const first = firstWithKey.get(key);
      if (first !== undefined) {
        repeats.push({ index, of: first });
        return;
      }
      firstWithKey.set(key, index);
    }
    fresh.push(index);
  });
  // 3. check (the general path's additions)
  let extras: Checked[] = [];
  if (fresh.length > 0) {
    extras = (yield {
      step: "check",
      requests: fresh.map((i) => requests[i]!),
      now,
    }) as Checked[];
    const kept: number[] = [];
    const keptExtras: Checked[] = [];
    fresh.forEach((index, i) => {
      const verdict = extras[i] ?? {};
      if ("refused" in verdict) results[index] = { kind: "refused", error: verdict.refused };
      else {
        kept.push(index);
        keptExtras.push(verdict);
      }
    });
    fresh = kept;
    extras = keptExtras;
  }
  if (fresh.length > 0) {
    // 4. reserve: gapless seqs per conversation, in request order
    const counts = new Map<string, number>();
    for (const index of fresh) {
      const { conversationId } = requests[index]!;
      counts.set(conversationId, (counts.get(conversationId) ?? 0) + 1);
    }
    const last = (yield { step: "reserve", counts, now }) as Map<string, number>;
    const next = new Map([...counts].map(([id, n]) => [id, (last.get(id) ?? 0) - n + 1]));
    const rows = fresh.map((index, i): MessageRow => {
      const request = requests[index]!;
      const seq = next.get(request.conversationId) ?? 0;
      next.set(request.conversationId, seq + 1);
      const extra = extras[i];
      const thread = extra && "thread" in extra ? extra.thread : undefined;
      return {
        id: timeOrderedId(now),
        conversation_id: request.conversationId,
        seq,
        sender_id: request.senderId,
        body: request.body,
        client_id: request.clientId,
        reply_to: request.replyTo ?? null,
        created_at: now,
        edited_at: null,
        deleted_at: null,
        ...(thread && {
          thread_id: thread.rootId,
          thread_seq: thread.seq,
          also_in_conversation: request.alsoToConversation ? 1 : 0,
        }),
        ...(request.mls && {
          mls_kind: request.mls.kind,
          mls_epoch: request.mls.epoch,
          mls_welcome: request.mls.welcome,
        }),
      };
    });
    // 5. write: the sender's read mark moves to their newest message of the batch
    const newest = new Map<string, ReadMark>();
    for (const row of rows) {
      const mark = { conversationId: row.conversation_id, userId: row.sender_id, seq: row.seq };
      newest.set(sendKey(mark.conversationId, mark.userId), mark);
    }
    const payloads = rows.map((row, i) => {
      const extra = extras[i];
      return messageNewPayload(
        row,
        extra && "attachments" in extra ? extra.attachments : undefined,
      );
    });
    const stored = references ? rows.map(() => REFERENCE_PAYLOAD) : payloads;
    const marks = [...newest.values()];
    const written = fresh.map((index) => requests[index]!);
    const cursors = (yield {
      step: "write",
      rows,
      marks,
      payloads,
      stored,
      now,
      requests: written,
    }) as number[];
    fresh.forEach((index, i) => {
      results[index] = {
        kind: "stored",
        row: rows[i]!,
        cursor: cursors[i] ?? 0,
        payload: payloads[i] ?? "",
      };
    });
  }
  for (const { index, of } of repeats) {
    const first = results[of];
    if (first?.kind === "stored" || first?.kind === "duplicate") {
      results[index] = { kind: "duplicate", row: first.row };
    } else results[index] = first ?? { kind: "not_member" };
  }
  return results;
}

const NOTHING_TO_CHECK = (requests: AppendRequest[]): Checked[] => requests.map(() => ({}));

/** Runs the plan on a synchronous engine (call inside its transaction). */
export function runAppend(engine: AppendEngine, batch: AppendBatch): AppendResult[] {
  const plan = appendPlan(batch);
  let next = plan.next();
  while (!next.done) {
    const s = next.value;
    let answer: unknown;
    if (s.step === "find") answer = engine.find(s.requests);
    else if (s.step === "check") answer = NOTHING_TO_CHECK(s.requests);
    else if (s.step === "reserve") answer = engine.reserve(s.counts, s.now);
    else answer = engine.write(s.rows, s.marks, s.payloads, s.now, s.requests, s.stored);
    next = plan.next(answer);
  }
  return next.value;
}

/** Runs the plan on an asynchronous engine (call inside its transaction). */
export async function runAppendAsync(
  engine: AsyncAppendEngine,
  batch: AppendBatch,
): Promise<AppendResult[]> {
  const plan = appendPlan(batch);
  let next = plan.next();
  while (!next.done) {
    const s = next.value;
    let answer: unknown;
    if (s.step === "find") answer = await engine.find(s.requests);
    else if (s.step === "check")
      answer = engine.check ? await engine.check(s.requests, s.now) : NOTHING_TO_CHECK(s.requests);
    else if (s.step === "reserve") answer = await engine.reserve(s.counts, s.now);
    else answer = await engine.write(s.rows, s.marks, s.payloads, s.now, s.requests, s.stored);
    next = plan.next(answer);
  }
  return next.value;
}

/** Stores batches of messages on an engine's fastest path. */
export interface MessageAppender {
  append(batch: AppendBatch): Promise<AppendResult[]>;
  /**
   * True when batches handed over while earlier ones are still being stored commit in
   * the order they were handed over, so callers may keep more than one in flight.
   */
  readonly keepsOrder: boolean;
  /**
   * Starts whatever stores the batches (a writer thread) now, once the schema is current,
   * so that the first message sent does not wait for it.
   */
  start?(): void;
}
