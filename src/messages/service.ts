/**
 * Messages: send (idempotent per client_id), read history, edit, delete, react. A send
 * is answered only after its transaction commits.
 */
import { attachmentsByMessage, prepareAttachments } from "../attachments/link.js";
import { withAttachments } from "../attachments/present.js";
import { conversationNotFound, isAdmin } from "../conversations/policy.js";
import { loadMembership } from "../conversations/service.js";
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
import type { AppendResult } from "../storage/message-append.js";
import type { MessageRow } from "../storage/messages.js";
import type { Repositories, Store } from "../storage/store.js";
import { timeOrderedId } from "../storage/time-ordered-id.js";
import type { User } from "../storage/users.js";
import { GroupCommit, type Outcome } from "./group-commit.js";
import { findMentions } from "./mentions.js";
import { messageNewPayload, presentMessage } from "./present.js";
import { earlierRanges, memberSees } from "./visibility.js";

export interface MessageServiceDeps {
  store: Store;
  bus: DomainEvents;
  maxBodyChars: number;
}

export interface SendResult {
  message: MessageView;
  /** True when the client_id matched an earlier send: nothing new was stored. */
  duplicate: boolean;
}

export interface HistoryQuery {
  before?: number | undefined;
  after?: number | undefined;
  limit: number;
}

function messageNotFound(): AppError {
  return new AppError("not_found", "message not found");
}

function isPlain(item: PendingSend): boolean {
  const { input } = item;
  return (
    input.reply_to === undefined &&
    !input.attachment_ids?.length &&
    findMentions(input.body).length === 0
  );
}

interface PendingSend {
  user: User;
  conversationId: string;
  input: SendMessageBody;
  origin: Origin | undefined;
}

export class MessageService {
  private readonly sends: GroupCommit<PendingSend, SendResult>;

  constructor(private readonly deps: MessageServiceDeps) {
    this.sends = new GroupCommit(
      (items) => this.sendBatch(items),
      1024,
      // Only plain messages: the general path runs on this thread, apart from the queue.
      (items) => deps.store.appender.keepsOrder && items.every(isPlain),
    );
  }

  checkBody(body: string): void {
    if (body.trim() === "") throw new AppError("body_empty", "a message needs some text");
    const length = [...body].length;
    if (length > this.deps.maxBodyChars) {
      throw new AppError(
        "body_too_long",
        `a message is at most ${this.deps.maxBodyChars} characters (this one has ${length})`,
      );
    }
  }

  /** Sends a message; resolves once it is committed (or matched an earlier client_id). */
  async send(
    user: User,
    conversationId: string,
    input: SendMessageBody,
    origin?: Origin,
  ): Promise<SendResult> {
    // attachments: files alone make a message, so its text may be empty.
    if (input.body !== "" || !input.attachment_ids?.length) this.checkBody(input.body);
    return this.sends.submit({ user, conversationId, input, origin });
  }

  /**
   * Stores a batch in request order. Runs of plain messages (no reply, mention or
   * attachment) take the storage engine's fast path; the rest go through the general one.
   */
  private async sendBatch(items: PendingSend[]): Promise<Outcome<SendResult>[]> {
    const outcomes: Outcome<SendResult>[] = [];
    let start = 0;
    while (start < items.length) {
      const plain = isPlain(items[start] as PendingSend);
      let end = start + 1;
      while (end < items.length && isPlain(items[end] as PendingSend) === plain) end++;
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
    let results: AppendResult[];
    try {
      results = await this.deps.store.appender.append({
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
    const outcomes = await Promise.all(
      results.map(async (result, i): Promise<Outcome<SendResult>> => {
        const origin = items[i]?.origin;
        if (result.kind === "not_member") return { ok: false, error: conversationNotFound() };
        if (result.kind === "duplicate") {
          const reactions = await this.deps.store.messages.reactionsOf([result.row.id]);
          const message = presentMessage(result.row, reactions.get(result.row.id));
          return { ok: true, value: { message, duplicate: true } };
        }
        const message = presentMessage(result.row);
        const event: CommittedEvent = {
          cursor: result.cursor,
          conversationId: result.row.conversation_id,
          userId: null,
          type: "message.new",
          frame: frameWithCursor(result.payload, result.cursor),
        };
        if (origin) {
          event.origin = { ...origin, ack: ackFrame(origin.requestId, message, result.cursor) };
        }
        committed.push(event);
        return { ok: true, value: { message, duplicate: false } };
      }),
    );
    committed.sort((a, b) => a.cursor - b.cursor);
    if (committed.length > 0) this.deps.bus.emit("chat.events", committed);
    return outcomes;
  }

  private async sendGeneral(items: PendingSend[]): Promise<Outcome<SendResult>[]> {
    try {
      return await writeWithEvents(this.deps.store, this.deps.bus, async (tx, log) => {
        const outcomes: Outcome<SendResult>[] = [];
        for (const item of items) {
          try {
            const value = await this.sendInTransaction(
              tx,
              log,
              item.user,
              item.conversationId,
              item.input,
              item.origin,
            );
            outcomes.push({ ok: true, value });
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
    const { user, conversationId, input, origin } = item;
    try {
      return await writeWithEvents(this.deps.store, this.deps.bus, (tx, log) =>
        this.sendInTransaction(tx, log, user, conversationId, input, origin),
      );
    } catch (err) {
      // Two sends with one client_id raced; the first one committed, so answer with it.
      if (input.client_id && isUniqueViolation(err)) {
        const original = await this.deps.store.messages.byClientId(
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
    user: User,
    conversationId: string,
    input: SendMessageBody,
    origin: Origin | undefined,
  ): Promise<SendResult> {
    const self = await tx.conversations.member(conversationId, user.id);
    if (!self) throw conversationNotFound();
    if (input.client_id) {
      const original = await tx.messages.byClientId(conversationId, user.id, input.client_id);
      if (original) {
        const reactions = await tx.messages.reactionsOf([original.id]);
        const files = await attachmentsByMessage(tx, [original.id]); // attachments
        const view = presentMessage(original, reactions.get(original.id));
        return { message: withAttachments(view, files), duplicate: true };
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
    // attachments: checked before anything is written, linked after the insert.
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
    const attachments = await attached.link(row.id); // attachments
    if (attachments.length > 0) message.attachments = attachments; // attachments
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

  async history(user: User, conversationId: string, query: HistoryQuery): Promise<MessageView[]> {
    const { self } = await loadMembership(this.deps.store, conversationId, user.id);
    const rows = await this.deps.store.messages.page(conversationId, {
      before: query.before,
      after: query.after,
      limit: query.limit,
      minSeq: Number(self.joined_seq),
      earlier: earlierRanges(
        await this.deps.store.conversations.earlierPeriods(conversationId, user.id),
      ),
    });
    const reactions = await this.deps.store.messages.reactionsOf(rows.map((r) => r.id));
    const files = await attachmentsByMessage(
      this.deps.store,
      rows.map((r) => r.id),
    ); // attachments
    return rows.map((row) => withAttachments(presentMessage(row, reactions.get(row.id)), files));
  }

  /** Loads a message the user may see, with the user's membership of its conversation. */
  private async visibleMessage(tx: Repositories, user: User, messageId: string) {
    const row = await tx.messages.byId(messageId);
    if (!row) throw messageNotFound();
    const self = await tx.conversations.member(row.conversation_id, user.id);
    if (!self || !(await memberSees(tx, self, row.seq))) throw messageNotFound();
    return { row, self };
  }

  async get(user: User, messageId: string): Promise<MessageView> {
    const { row } = await this.visibleMessage(this.deps.store, user, messageId);
    const reactions = await this.deps.store.messages.reactionsOf([row.id]);
    const files = await attachmentsByMessage(this.deps.store, [row.id]); // attachments
    return withAttachments(presentMessage(row, reactions.get(row.id)), files);
  }

  async edit(user: User, messageId: string, body: string): Promise<MessageView> {
    this.checkBody(body);
    return writeWithEvents(this.deps.store, this.deps.bus, async (tx, log) => {
      const { row } = await this.visibleMessage(tx, user, messageId);
      if (row.sender_id !== user.id)
        throw new AppError("forbidden", "only the author can edit a message");
      if (row.deleted_at !== null)
        throw new AppError("conflict", "a deleted message cannot be edited");
      const now = Date.now();
      await tx.messages.edit(messageId, body, now);
      const reactions = await tx.messages.reactionsOf([messageId]);
      const files = await attachmentsByMessage(tx, [messageId]); // attachments
      const edited = presentMessage({ ...row, body, edited_at: now }, reactions.get(messageId));
      const message = withAttachments(edited, files);
      await log.append({ type: "message.updated", conversation_id: row.conversation_id, message });
      return message;
    });
  }

  /** Erases the body and leaves a tombstone; the author or a group admin may do it. */
  async delete(user: User, messageId: string): Promise<MessageView> {
    return writeWithEvents(this.deps.store, this.deps.bus, async (tx, log) => {
      const { row, self } = await this.visibleMessage(tx, user, messageId);
      const conversation = await tx.conversations.byId(row.conversation_id);
      const moderator = conversation?.type === "group" && isAdmin(self);
      if (row.sender_id !== user.id && !moderator) {
        throw new AppError("forbidden", "only the author or a group admin can delete a message");
      }
      if (row.deleted_at !== null) return presentMessage(row);
      const now = Date.now();
      await tx.messages.tombstone(messageId, now);
      // attachments: unlinked now, their files collected once this commits.
      await tx.attachments.markDeletedWithMessage(messageId, now);
      const message = presentMessage({ ...row, body: "", deleted_at: now });
      await log.append({ type: "message.deleted", conversation_id: row.conversation_id, message });
      return message;
    });
  }

  async react(
    user: User,
    messageId: string,
    emoji: string,
    action: "added" | "removed",
  ): Promise<MessageView> {
    const clean = emoji.trim();
    if (clean === "" || [...clean].length > 8)
      throw new AppError("invalid_request", "a reaction is one emoji (at most 8 code points)");
    return writeWithEvents(this.deps.store, this.deps.bus, async (tx, log) => {
      const { row } = await this.visibleMessage(tx, user, messageId);
      if (row.deleted_at !== null)
        throw new AppError("conflict", "a deleted message takes no reactions");
      const changed =
        action === "added"
          ? await tx.messages.addReaction(messageId, user.id, clean, Date.now())
          : await tx.messages.removeReaction(messageId, user.id, clean);
      const reactions = await tx.messages.reactionsOf([messageId]);
      const message = presentMessage(row, reactions.get(messageId));
      if (changed) {
        await log.append({
          type: "reaction",
          conversation_id: row.conversation_id,
          message_id: messageId,
          user_id: user.id,
          emoji: clean,
          action,
          reactions: message.reactions ?? [],
        });
      }
      return message;
    });
  }
}
