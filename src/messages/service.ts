/**
 * Messages: send (idempotent per client_id; stored by send-path.ts), read history, edit,
 * delete, react.
 */

import type { MessageVersionView, MessageView, SendMessageBody } from "@private-chat/protocol/chat";
import {
  isReactionEmoji,
  MAX_REACTIONS_PER_MESSAGE,
  MAX_REACTIONS_PER_PERSON,
} from "@private-chat/protocol/emoji";
import { attachmentsByMessage } from "../attachments/link.js";
import { withAttachments } from "../attachments/present.js";
import { isAdmin } from "../conversations/policy.js";
import { loadMembership, notAccepting } from "../conversations/service.js";
import { AppError } from "../errors.js";
import type { DomainEvents, EventOrigin } from "../events/bus.js";
import { writeWithEvents } from "../events/log.js";
import { seqWindow } from "../storage/membership-window.js";
import type { ReactionSummary } from "../storage/messages.js";
import type { Repositories, Store } from "../storage/store.js";
import type { User } from "../storage/users.js";
import { EncryptedSends, encryptionRequired } from "./encrypted-sends.js";
import { eraseMessage } from "./erase.js";
import { presentMessage, presentMessages, withThread } from "./present.js";
import { SendPath, type SendResult } from "./send-path.js";
import { messageNotFound, visibleMessage } from "./visible.js";

export interface MessageServiceDeps {
  store: Store;
  bus: DomainEvents;
  maxBodyChars: number;
}

export interface HistoryQuery {
  before?: number | undefined;
  after?: number | undefined;
  limit: number;
}

export class MessageService {
  private readonly sends: SendPath;
  readonly encrypted: EncryptedSends;

  constructor(private readonly deps: MessageServiceDeps) {
    this.sends = new SendPath(deps.store, deps.bus);
    this.encrypted = new EncryptedSends(deps.store);
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
    origin?: EventOrigin,
  ): Promise<SendResult> {
    // Before any await: a socket's sends reach the queue in the order they came.
    return this.encrypted.whenChecked(user.id, conversationId, input, async (mls) => {
      // Files alone make a message, so its text may be empty when it carries some.
      if (!mls && (input.body !== "" || !input.attachment_ids?.length)) this.checkBody(input.body);
      if (input.also_to_conversation !== undefined && input.thread_id === undefined)
        throw new AppError("invalid_request", "also_to_conversation goes with thread_id");
      return this.sends.submit(user, conversationId, input, origin, mls);
    });
  }

  async history(user: User, conversationId: string, query: HistoryQuery): Promise<MessageView[]> {
    const { self } = await loadMembership(this.deps.store, conversationId, user.id);
    const rows = await this.deps.store.messages.page(conversationId, {
      before: query.before,
      after: query.after,
      limit: query.limit,
      ...seqWindow(
        self,
        await this.deps.store.conversations.earlierPeriods(conversationId, user.id),
      ),
    });
    return presentMessages(this.deps.store, rows);
  }

  /** Refuses a change to a direct conversation whose other member blocked the user. */
  private async refuseBlocked(tx: Repositories, conversationId: string, user: User) {
    const refused = await tx.blocks.refusedSends([{ conversationId, senderId: user.id }]);
    if (refused.size > 0) throw notAccepting("messages");
  }

  async get(user: User, messageId: string): Promise<MessageView> {
    const { row } = await visibleMessage(this.deps.store, user.id, messageId);
    const [message] = await presentMessages(this.deps.store, [row]);
    if (!message) throw messageNotFound();
    return message;
  }

  /** The earlier versions of a message the user may see, oldest first (none once deleted). */
  async versions(user: User, messageId: string): Promise<MessageVersionView[]> {
    await visibleMessage(this.deps.store, user.id, messageId);
    const versions = await this.deps.store.messages.versionsOf(messageId);
    return versions.map((v) => ({ body: v.body, edited_at: v.writtenAt }));
  }

  /** Edits one's own message; the body it replaces is kept in the same transaction. */
  async edit(user: User, messageId: string, body: string): Promise<MessageView> {
    this.checkBody(body);
    return writeWithEvents(this.deps.store, this.deps.bus, async (tx, log) => {
      const { row } = await visibleMessage(tx, user.id, messageId);
      if (row.sender_id !== user.id)
        throw new AppError("forbidden", "only the author can edit a message");
      if (row.mls_kind) throw encryptionRequired("edits");
      await this.refuseBlocked(tx, row.conversation_id, user);
      if (row.deleted_at !== null)
        throw new AppError("conflict", "a deleted message cannot be edited");
      const now = Date.now();
      await tx.messages.edit(messageId, body, now);
      const reactions = await tx.messages.reactionsOf([messageId]);
      const files = await attachmentsByMessage(tx, [messageId]);
      const edited = presentMessage({ ...row, body, edited_at: now }, reactions.get(messageId));
      const message = await withThread(tx, withAttachments(edited, files));
      await log.append({ type: "message.updated", conversation_id: row.conversation_id, message });
      return message;
    });
  }

  /**
   * Erases the body and every copy of it, leaving a tombstone; the author or a group admin
   * may do it. Not a change to an encrypted group's keys (a commit or proposal): every
   * device applies each one in order, and one that has not yet would be stuck for good.
   */
  async delete(user: User, messageId: string): Promise<MessageView> {
    return writeWithEvents(this.deps.store, this.deps.bus, async (tx, log) => {
      const { row, self } = await visibleMessage(tx, user.id, messageId);
      const conversation = await tx.conversations.byId(row.conversation_id);
      const moderator = conversation?.type === "group" && isAdmin(self);
      if (row.sender_id !== user.id && !moderator) {
        throw new AppError("forbidden", "only the author or a group admin can delete a message");
      }
      if (row.deleted_at !== null) return presentMessage(row);
      if (row.mls_kind === "commit" || row.mls_kind === "proposal")
        throw new AppError(
          "forbidden",
          "a change to the group's encryption keys stays: every member's device applies it",
        );
      return eraseMessage(tx, log, row, user.id, Date.now());
    });
  }

  async react(
    user: User,
    messageId: string,
    emoji: string,
    action: "added" | "removed",
  ): Promise<MessageView> {
    const clean = emoji.trim();
    if (clean === "" || (action === "added" && !isReactionEmoji(clean)))
      throw new AppError("invalid_request", "a reaction is exactly one emoji");
    return writeWithEvents(this.deps.store, this.deps.bus, async (tx, log) => {
      const { row } = await visibleMessage(tx, user.id, messageId);
      if (row.deleted_at !== null)
        throw new AppError("conflict", "a deleted message takes no reactions");
      if (row.mls_kind && action === "added") throw encryptionRequired("reactions");
      await this.refuseBlocked(tx, row.conversation_id, user);
      const before = (await tx.messages.reactionsOf([messageId])).get(messageId) ?? [];
      if (action === "added") checkReactionLimits(before, user.id, clean);
      const changed =
        action === "added"
          ? await tx.messages.addReaction(messageId, user.id, clean, Date.now())
          : await tx.messages.removeReaction(messageId, user.id, clean);
      const reactions = changed
        ? ((await tx.messages.reactionsOf([messageId])).get(messageId) ?? [])
        : before;
      const message = presentMessage(row, reactions);
      if (changed) {
        // Only the change: a copy of the whole list in every event would grow the log
        // with the square of the number of reactions.
        await log.append({
          type: "reaction",
          conversation_id: row.conversation_id,
          message_id: messageId,
          user_id: user.id,
          emoji: clean,
          action,
        });
      }
      return message;
    });
  }
}

/** Refuses a new reaction past the per-person or per-message limit; a repeat is no change. */
function checkReactionLimits(existing: ReactionSummary[], userId: string, emoji: string): void {
  const same = existing.find((r) => r.emoji === emoji);
  if (same?.userIds.includes(userId)) return;
  const mine = existing.filter((r) => r.userIds.includes(userId)).length;
  if (mine >= MAX_REACTIONS_PER_PERSON)
    throw new AppError(
      "too_many_reactions",
      `one person may leave at most ${MAX_REACTIONS_PER_PERSON} different reactions on a message`,
    );
  if (!same && existing.length >= MAX_REACTIONS_PER_MESSAGE)
    throw new AppError(
      "too_many_reactions",
      `a message may carry at most ${MAX_REACTIONS_PER_MESSAGE} different reactions`,
    );
}
