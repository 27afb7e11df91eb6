/**
 * Messages: send (idempotent per client_id), read history, edit, delete, react. A send
 * is answered only after its transaction commits.
 */
import { randomUUID } from "node:crypto";
import { conversationNotFound, isAdmin } from "../conversations/policy.js";
import { loadMembership } from "../conversations/service.js";
import { AppError } from "../errors.js";
import type { DomainEvents } from "../events/bus.js";
import { type EventLog, type Origin, writeWithEvents } from "../events/log.js";
import type { MessageView, SendMessageBody } from "../protocol/chat.js";
import { isUniqueViolation } from "../storage/errors.js";
import type { MessageRow } from "../storage/messages.js";
import type { Repositories, Store } from "../storage/store.js";
import type { User } from "../storage/users.js";
import { GroupCommit, type Outcome } from "./group-commit.js";
import { findMentions } from "./mentions.js";
import { presentMessage } from "./present.js";

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

interface PendingSend {
  user: User;
  conversationId: string;
  input: SendMessageBody;
  origin: Origin | undefined;
}

export class MessageService {
  private readonly sends: GroupCommit<PendingSend, SendResult>;

  constructor(private readonly deps: MessageServiceDeps) {
    this.sends = new GroupCommit((items) => this.sendBatch(items));
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
    this.checkBody(input.body);
    return this.sends.submit({ user, conversationId, input, origin });
  }

  private async sendBatch(items: PendingSend[]): Promise<Outcome<SendResult>[]> {
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
      // A client_id raced with another node's commit: isolate the items one by one.
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
        return { message: presentMessage(original, reactions.get(original.id)), duplicate: true };
      }
    }
    if (input.reply_to) {
      const target = await tx.messages.byId(input.reply_to);
      if (
        !target ||
        target.conversation_id !== conversationId ||
        target.seq <= Number(self.joined_seq)
      ) {
        throw new AppError("invalid_request", "reply_to names no message of this conversation");
      }
    }
    const now = Date.now();
    const seq = await tx.conversations.allocateSeq(conversationId, now);
    const row: MessageRow = {
      id: randomUUID(),
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
    });
    const reactions = await this.deps.store.messages.reactionsOf(rows.map((r) => r.id));
    return rows.map((row) => presentMessage(row, reactions.get(row.id)));
  }

  /** Loads a message the user may see, with the user's membership of its conversation. */
  private async visibleMessage(tx: Repositories, user: User, messageId: string) {
    const row = await tx.messages.byId(messageId);
    if (!row) throw messageNotFound();
    const self = await tx.conversations.member(row.conversation_id, user.id);
    if (!self || row.seq <= Number(self.joined_seq)) throw messageNotFound();
    return { row, self };
  }

  async get(user: User, messageId: string): Promise<MessageView> {
    const { row } = await this.visibleMessage(this.deps.store, user, messageId);
    const reactions = await this.deps.store.messages.reactionsOf([row.id]);
    return presentMessage(row, reactions.get(row.id));
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
      const message = presentMessage({ ...row, body, edited_at: now }, reactions.get(messageId));
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
