/**
 * How sends are stored: queued into group commits, then each batch in request order,
 * runs of plain messages (no reply, thread, mention or attachment) through the storage engine's
 * appender and the rest through the general engine (general-append.ts). Both run the one
 * append plan of storage/message-rules.ts, and their results are answered here alike. A
 * send is answered only after its transaction commits.
 */

import type { MessageView, SendMessageBody } from "@private-chat/protocol/chat";
import { attachmentsByMessage } from "../attachments/link.js";
import { withAttachments } from "../attachments/present.js";
import { conversationNotFound } from "../conversations/policy.js";
import { accountDeleted, notAccepting } from "../conversations/service.js";
import type { CommittedEvent, DomainEvents, EventOrigin } from "../events/bus.js";
import { committedEvent, writeWithEvents } from "../events/log.js";
import { isUniqueViolation } from "../storage/errors.js";
import {
  type AppendRequest,
  type AppendResult,
  type MlsHeader,
  runAppendAsync,
} from "../storage/message-rules.js";
import type { MessageRow } from "../storage/messages.js";
import type { Repositories, Store } from "../storage/store.js";
import type { User } from "../storage/users.js";
import { generalEngine } from "./general-append.js";
import { GroupCommit, type Outcome } from "./group-commit.js";
import { findMentions } from "./mentions.js";
import { presentMessage } from "./present.js";

export interface SendResult {
  message: MessageView;
  /** True when the client_id matched an earlier send: nothing new was stored. */
  duplicate: boolean;
}

interface PendingSend {
  user: User;
  conversationId: string;
  input: SendMessageBody;
  origin: EventOrigin | undefined;
  /** Decided once, when queued: no reply, no thread, no attachment, nobody mentioned. */
  plain: boolean;
  /** An encrypted conversation's MLS message: what its header says. */
  mls: MlsHeader | undefined;
}

function requestOf({ conversationId, user, input, mls }: PendingSend): AppendRequest {
  const request: AppendRequest = {
    conversationId,
    senderId: user.id,
    body: input.body,
    clientId: input.client_id ?? null,
  };
  if (input.reply_to !== undefined) request.replyTo = input.reply_to;
  if (input.thread_id !== undefined) {
    request.threadId = input.thread_id;
    request.alsoToConversation = input.also_to_conversation === true;
  }
  if (mls) request.mls = mls;
  return request;
}

/** An earlier send answered again, as it is now (reactions and files included). */
async function presentEarlier(repos: Repositories, rows: MessageRow[]): Promise<MessageView[]> {
  const ids = rows.map((row) => row.id);
  const reactions = await repos.messages.reactionsOf(ids);
  const files = await attachmentsByMessage(repos, ids);
  return rows.map((row) => withAttachments(presentMessage(row, reactions.get(row.id)), files));
}

/**
 * How long an idle server gathers sends into one commit: bounded well under the latency
 * a person notices, and long enough that sends a millisecond apart share a commit.
 */
const GATHER_MS = 2;

export class SendPath {
  private readonly queue: GroupCommit<PendingSend, SendResult>;

  constructor(
    private readonly store: Store,
    private readonly bus: DomainEvents,
  ) {
    this.queue = new GroupCommit(
      (items) => this.sendBatch(items),
      1024,
      // Only plain messages: the general path runs on this thread, apart from the queue.
      (items) => store.appender.keepsOrder && items.every((item) => item.plain),
      GATHER_MS,
    );
  }

  submit(
    user: User,
    conversationId: string,
    input: SendMessageBody,
    origin: EventOrigin | undefined,
    mls?: MlsHeader,
  ): Promise<SendResult> {
    // MLS messages take the general path, which holds each commit to its epoch.
    const plain =
      mls === undefined &&
      input.reply_to === undefined &&
      input.thread_id === undefined &&
      !input.attachment_ids?.length &&
      findMentions(input.body).length === 0;
    return this.queue.submit({ user, conversationId, input, origin, plain, mls });
  }

  /**
   * Stores a batch in request order, each run of alike sends on its path. Sends into a
   * direct conversation whose other member blocked the sender, or deleted their account,
   * are refused first, with one query each for the whole batch.
   */
  private async sendBatch(items: PendingSend[]): Promise<Outcome<SendResult>[]> {
    const sends = items.map((item) => ({
      conversationId: item.conversationId,
      senderId: item.user.id,
    }));
    const [blocked, gone] = await Promise.all([
      this.store.blocks.refusedSends(sends),
      this.store.conversations.sendsToDeletedPeer(sends),
    ]);
    if (blocked.size === 0 && gone.size === 0) return this.storeBatch(items);
    const refusal = (item: PendingSend) => {
      const key = `${item.conversationId}:${item.user.id}`;
      if (blocked.has(key)) return notAccepting("messages");
      return gone.has(key) ? accountDeleted() : undefined;
    };
    const stored = await this.storeBatch(items.filter((item) => refusal(item) === undefined));
    let next = 0;
    return items.map((item) => {
      const error = refusal(item);
      return error ? { ok: false, error } : (stored[next++] as Outcome<SendResult>);
    });
  }

  private async storeBatch(items: PendingSend[]): Promise<Outcome<SendResult>[]> {
    const outcomes: Outcome<SendResult>[] = [];
    let start = 0;
    while (start < items.length) {
      const plain = items[start]?.plain;
      let end = start + 1;
      while (end < items.length && items[end]?.plain === plain) end++;
      const run = items.slice(start, end);
      try {
        outcomes.push(...(await this.storeRun(run, plain === true)));
      } catch (error) {
        for (const _ of run) outcomes.push({ ok: false, error });
      }
      start = end;
    }
    return outcomes;
  }

  /**
   * Stores a run of sends on its path; a client_id that raced with another node's
   * commit (a unique violation) makes the run go again one send at a time.
   */
  private async storeRun(items: PendingSend[], plain: boolean): Promise<Outcome<SendResult>[]> {
    try {
      return await (plain ? this.appendPlain(items) : this.appendGeneral(items));
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
      if (items.length > 1) return this.oneByOne(items, plain);
      const [item] = items as [PendingSend];
      const { conversationId, user, input } = item;
      // The first of two sends with one client_id committed, so answer with it.
      const original = input.client_id
        ? await this.store.messages.byClientId(conversationId, user.id, input.client_id)
        : undefined;
      if (!original) throw err;
      const [message] = await presentEarlier(this.store, [original]);
      return [
        { ok: true, value: { message: message ?? presentMessage(original), duplicate: true } },
      ];
    }
  }

  private async oneByOne(items: PendingSend[], plain: boolean): Promise<Outcome<SendResult>[]> {
    const outcomes: Outcome<SendResult>[] = [];
    for (const item of items) {
      try {
        outcomes.push(...(await this.storeRun([item], plain)));
      } catch (error) {
        outcomes.push({ ok: false, error });
      }
    }
    return outcomes;
  }

  /** Plain sends: the engine's appender stores them; their events are announced here. */
  private async appendPlain(items: PendingSend[]): Promise<Outcome<SendResult>[]> {
    const results = await this.store.appender.append({
      requests: items.map(requestOf),
      now: Date.now(),
      references: this.store.eventFormat.references,
    });
    const committed: CommittedEvent[] = [];
    const outcomes = await this.answer(items, results, (result, item) => {
      const message = presentMessage(result.row);
      const event = {
        type: "message.new" as const,
        conversation_id: result.row.conversation_id,
        message,
      };
      committed.push(committedEvent(result.cursor, event, result.payload, { origin: item.origin }));
      return message;
    });
    committed.sort((a, b) => a.cursor - b.cursor);
    if (committed.length > 0) this.bus.emit("chat.events", committed);
    return outcomes;
  }

  /** Replies, threads, mentions, attachments: the same plan, through the general engine. */
  private async appendGeneral(items: PendingSend[]): Promise<Outcome<SendResult>[]> {
    const requests = items.map(requestOf);
    const { results, views } = await writeWithEvents(this.store, this.bus, async (tx, log) => {
      const sends = items.map((item, i) => ({
        request: requests[i] as AppendRequest,
        attachmentIds: item.input.attachment_ids,
        origin: item.origin,
      }));
      const engine = generalEngine(tx, log, sends);
      return {
        results: await runAppendAsync(engine, { requests, now: Date.now() }),
        views: engine.views,
      };
    });
    return this.answer(
      items,
      results,
      (result) => views.get(result.row.id) ?? presentMessage(result.row),
    );
  }

  /** One outcome per send, from the plan's results; repeated client_ids as they are now. */
  private async answer(
    items: PendingSend[],
    results: AppendResult[],
    stored: (result: Extract<AppendResult, { kind: "stored" }>, item: PendingSend) => MessageView,
  ): Promise<Outcome<SendResult>[]> {
    const earlier: { index: number; row: MessageRow }[] = [];
    const outcomes = results.map((result, i): Outcome<SendResult> => {
      if (result.kind === "not_member") return { ok: false, error: conversationNotFound() };
      if (result.kind === "refused") return { ok: false, error: result.error };
      if (result.kind === "duplicate") {
        earlier.push({ index: i, row: result.row });
        return { ok: true, value: { message: presentMessage(result.row), duplicate: true } };
      }
      const message = stored(result, items[i] as PendingSend);
      return { ok: true, value: { message, duplicate: false } };
    });
    // Repeated client_ids (rare) are answered with the message as it is now.
    if (earlier.length > 0) {
      const views = await presentEarlier(
        this.store,
        earlier.map((e) => e.row),
      );
      earlier.forEach(({ index }, i) => {
        const message = views[i];
        if (message) outcomes[index] = { ok: true, value: { message, duplicate: true } };
      });
    }
    return outcomes;
  }
}
