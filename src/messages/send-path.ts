/**
 * How sends are stored: queued into group commits, then each batch in request order,
 * runs of plain messages (no reply, mention or attachment) through the storage engine's
 * append path and the rest through the general path below. A send is answered only
 * after its transaction commits.
 */
import { attachmentsByMessage, prepareAttachments } from "../attachments/link.js";
import { withAttachments } from "../attachments/present.js";
import { conversationNotFound } from "../conversations/policy.js";
import { AppError } from "../errors.js";
import type { CommittedEvent, DomainEvents } from "../events/bus.js";
import {
  ackFrame,
  type EventLog,
  frameWithCursor,
  type Origin,
  writeWithEvents,
} from "../events/log.js";
import type { MessageView, SendMessageBody } from "../protocol/chat.js";
import { isUniqueViolation } from "../storage/errors.js";
import type { MessageRow } from "../storage/messages.js";
import type { Repositories, Store } from "../storage/store.js";
import { timeOrderedId } from "../storage/time-ordered-id.js";
import type { User } from "../storage/users.js";
import { GroupCommit, type Outcome } from "./group-commit.js";
import { findMentions } from "./mentions.js";
import { messageNewPayload, presentMessage } from "./present.js";
import { memberSees } from "./visibility.js";

export interface SendResult {
  message: MessageView;
  /** True when the client_id matched an earlier send: nothing new was stored. */
  duplicate: boolean;
}

interface PendingSend {
  user: User;
  conversationId: string;
  input: SendMessageBody;
  origin: Origin | undefined;
  /** Decided once, when queued: no reply, no attachment, nobody mentioned. */
  plain: boolean;
}

/** An earlier send answered again, as it is now (reactions and files included). */
async function presentEarlier(repos: Repositories, rows: MessageRow[]): Promise<MessageView[]> {
  const ids = rows.map((row) => row.id);
  const reactions = await repos.messages.reactionsOf(ids);
  const files = await attachmentsByMessage(repos, ids);
  return rows.map((row) => withAttachments(presentMessage(row, reactions.get(row.id)), files));
}

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
    );
  }

  submit(
    user: User,
    conversationId: string,
    input: SendMessageBody,
    origin: Origin | undefined,
  ): Promise<SendResult> {
    const plain =
      input.reply_to === undefined &&
      !input.attachment_ids?.length &&
      findMentions(input.body).length === 0;
    return this.queue.submit({ user, conversationId, input, origin, plain });
  }

  /** Stores a batch in request order, each run of alike sends on its path. */
  private async sendBatch(items: PendingSend[]): Promise<Outcome<SendResult>[]> {
    const outcomes: Outcome<SendResult>[] = [];
    let start = 0;
    while (start < items.length) {
      const plain = items[start]?.plain;
      let end = start + 1;
      while (end < items.length && items[end]?.plain === plain) end++;
      const run = items.slice(start, end);
      try {
        outcomes.push(...(await (plain ? this.appendPlain(run) : this.sendGeneral(run))));
      } catch (error) {
        for (const _ of run) outcomes.push({ ok: false, error });
      }
      start = end;
    }
    return outcomes;
  }

  private async appendPlain(items: PendingSend[]): Promise<Outcome<SendResult>[]> {
    const now = Date.now();
    let results: Awaited<ReturnType<Store["appender"]["append"]>>;
    try {
      results = await this.store.appender.append({
        requests: items.map((item) => ({
          conversationId: item.conversationId,
          senderId: item.user.id,
          body: item.input.body,
          clientId: item.input.client_id ?? null,
        })),
        now,
        newId: () => timeOrderedId(now),
        eventPayload: messageNewPayload,
      });
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
      return this.oneByOne(items);
    }
    const committed: CommittedEvent[] = [];
    const earlier: { index: number; row: MessageRow }[] = [];
    const outcomes = results.map((result, i): Outcome<SendResult> => {
      if (result.kind === "not_member") return { ok: false, error: conversationNotFound() };
      if (result.kind === "duplicate") {
        earlier.push({ index: i, row: result.row });
        return { ok: true, value: { message: presentMessage(result.row), duplicate: true } };
      }
      const message = presentMessage(result.row);
      const event: CommittedEvent = {
        cursor: result.cursor,
        conversationId: result.row.conversation_id,
        userId: null,
        type: "message.new",
        frame: frameWithCursor(result.payload, result.cursor),
      };
      const origin = items[i]?.origin;
      if (origin) {
        event.origin = { ...origin, ack: ackFrame(origin.requestId, message, result.cursor) };
      }
      committed.push(event);
      return { ok: true, value: { message, duplicate: false } };
    });
    committed.sort((a, b) => a.cursor - b.cursor);
    if (committed.length > 0) this.bus.emit("chat.events", committed);
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

  private async sendGeneral(items: PendingSend[]): Promise<Outcome<SendResult>[]> {
    try {
      return await writeWithEvents(this.store, this.bus, async (tx, log) => {
        const outcomes: Outcome<SendResult>[] = [];
        for (const item of items) {
          try {
            outcomes.push({ ok: true, value: await this.sendInTransaction(tx, log, item) });
          } catch (err) {
            // Refusals happen before an item writes anything, so the batch stays sound.
            if (!(err instanceof AppError)) throw err;
            outcomes.push({ ok: false, error: err });
          }
        }
        return outcomes;
      });
    } catch (err) {
      if (items.length === 1 || !isUniqueViolation(err)) throw err;
      return this.oneByOne(items);
    }
  }

  /** A client_id raced with another node's commit: the items are sent one by one. */
  private async oneByOne(items: PendingSend[]): Promise<Outcome<SendResult>[]> {
    const outcomes: Outcome<SendResult>[] = [];
    for (const item of items) {
      try {
        outcomes.push({ ok: true, value: await this.sendAlone(item) });
      } catch (error) {
        outcomes.push({ ok: false, error });
      }
    }
    return outcomes;
  }

  private async sendAlone(item: PendingSend): Promise<SendResult> {
    const { user, conversationId, input } = item;
    try {
      return await writeWithEvents(this.store, this.bus, (tx, log) =>
        this.sendInTransaction(tx, log, item),
      );
    } catch (err) {
      // Two sends with one client_id raced; the first one committed, so answer with it.
      if (input.client_id && isUniqueViolation(err)) {
        const original = await this.store.messages.byClientId(
          conversationId,
          user.id,
          input.client_id,
        );
        if (original) return { message: presentMessage(original), duplicate: true };
      }
      throw err;
    }
  }

  private async sendInTransaction(
    tx: Repositories,
    log: EventLog,
    item: PendingSend,
  ): Promise<SendResult> {
    const { user, conversationId, input, origin } = item;
    const self = await tx.conversations.member(conversationId, user.id);
    if (!self) throw conversationNotFound();
    if (input.client_id) {
      const original = await tx.messages.byClientId(conversationId, user.id, input.client_id);
      if (original) {
        const [message] = await presentEarlier(tx, [original]);
        return { message: message ?? presentMessage(original), duplicate: true };
      }
    }
    if (input.reply_to) {
      const target = await tx.messages.byId(input.reply_to);
      if (
        !target ||
        target.conversation_id !== conversationId ||
        !(await memberSees(tx, self, target.seq))
      ) {
        throw new AppError("invalid_request", "reply_to names no message of this conversation");
      }
    }
    // Attachments are checked before anything is written and linked after the insert.
    const attached = await prepareAttachments(tx, conversationId, user.id, input.attachment_ids);
    const now = Date.now();
    const seq = await tx.conversations.allocateSeq(conversationId, now);
    const row: MessageRow = {
      id: timeOrderedId(now),
      conversation_id: conversationId,
      seq,
      sender_id: user.id,
      body: input.body,
      client_id: input.client_id ?? null,
      reply_to: input.reply_to ?? null,
      created_at: now,
      edited_at: null,
      deleted_at: null,
    };
    await tx.messages.insert(row);
    await tx.conversations.moveReadTo(conversationId, user.id, seq);
    const message = presentMessage(row);
    const attachments = await attached.link(row.id);
    if (attachments.length > 0) message.attachments = attachments;
    await log.append(
      { type: "message.new", conversation_id: conversationId, message },
      origin ? { origin: { ...origin, message } } : {},
    );
    const names = findMentions(input.body);
    const mentioned = names.length > 0 ? await tx.users.membersNamed(conversationId, names) : [];
    for (const target of mentioned) {
      if (target.id === user.id) continue;
      await log.append(
        {
          type: "mention",
          conversation_id: conversationId,
          message_id: row.id,
          seq,
          sender_id: user.id,
        },
        { userId: target.id },
      );
    }
    return { message, duplicate: false };
  }
}
