/**
 * Pinned messages: pin, unpin, and a conversation's pins. Who may pin follows the
 * conversation (policy.ts mayPin); a pin changes the conversation for every member, so
 * each change is logged as an event like any other.
 */

import { MAX_PINS, type PinnedMessageView } from "@private-chat/protocol/chat";
import { mayPin } from "../conversations/policy.js";
import { loadMembership, notAccepting } from "../conversations/service.js";
import { AppError } from "../errors.js";
import type { DomainEvents } from "../events/bus.js";
import { type EventLog, writeWithEvents } from "../events/log.js";
import { seqWindow } from "../storage/membership-window.js";
import type { MessageRow } from "../storage/messages.js";
import type { Pin } from "../storage/pins.js";
import type { Repositories, Store } from "../storage/store.js";
import type { User } from "../storage/users.js";
import { presentMessages } from "./present.js";
import { messageNotFound, visibleMessage } from "./visible.js";

export interface PinServiceDeps {
  store: Store;
  bus: DomainEvents;
}

/**
 * Removes a message's pin, if it has one, and tells every member (unpinned, or deleted
 * while pinned); false when it was not pinned.
 */
export async function removePin(
  tx: Repositories,
  log: EventLog,
  row: MessageRow,
  by: string | null,
): Promise<boolean> {
  if (!(await tx.pins.remove(row.id))) return false;
  await log.append({
    type: "message.unpinned",
    conversation_id: row.conversation_id,
    message_id: row.id,
    seq: row.seq,
    unpinned_by: by,
  });
  return true;
}

async function presentPinned(
  repos: Repositories,
  pinned: { pin: Pin; message: MessageRow }[],
): Promise<PinnedMessageView[]> {
  const views = await presentMessages(
    repos,
    pinned.map((p) => p.message),
  );
  return views.map((view, i) => {
    const pin = pinned[i]?.pin as Pin;
    return { ...view, pinned_by: pin.pinned_by, pinned_at: pin.pinned_at };
  });
}

export class PinService {
  constructor(private readonly deps: PinServiceDeps) {}

  /**
   * Loads a message the user may see and checks they may pin in its conversation. A
   * message out of sight is not found, exactly like a missing one.
   */
  private async pinnable(tx: Repositories, user: User, messageId: string) {
    const { row, self } = await visibleMessage(tx, user.id, messageId);
    const conversation = await tx.conversations.byId(row.conversation_id);
    if (!conversation) throw messageNotFound();
    if (!mayPin(conversation, self)) {
      throw new AppError(
        "pin_not_allowed",
        "only the owner and admins can pin messages in this group",
      );
    }
    // Someone blocked in a direct conversation changes nothing of it, as with reactions.
    if (conversation.type === "direct") {
      const refused = await tx.blocks.refusedSends([
        { conversationId: conversation.id, senderId: user.id },
      ]);
      if (refused.size > 0) throw notAccepting("messages");
    }
    return row;
  }

  /** Pins a message; pinning one already pinned answers its pin and changes nothing. */
  async pin(user: User, messageId: string): Promise<PinnedMessageView> {
    return writeWithEvents(this.deps.store, this.deps.bus, async (tx, log) => {
      const row = await this.pinnable(tx, user, messageId);
      if (row.deleted_at !== null)
        throw new AppError("conflict", "a deleted message cannot be pinned");
      const existing = await tx.pins.of(messageId);
      if (existing)
        return (await presentPinned(tx, [{ pin: existing, message: row }]))[0] as PinnedMessageView;
      // The event log's lock (taken first by writeWithEvents) serialises pins, so the
      // count cannot be overtaken.
      if ((await tx.pins.count(row.conversation_id)) >= MAX_PINS) {
        throw new AppError(
          "too_many_pins",
          `a conversation may have at most ${MAX_PINS} pinned messages; unpin one first`,
        );
      }
      const pin: Pin = {
        message_id: messageId,
        conversation_id: row.conversation_id,
        pinned_by: user.id,
        pinned_at: Date.now(),
      };
      await tx.pins.add(pin);
      await log.append({
        type: "message.pinned",
        conversation_id: row.conversation_id,
        message_id: messageId,
        seq: row.seq,
        pinned_by: user.id,
        pinned_at: pin.pinned_at,
      });
      return (await presentPinned(tx, [{ pin, message: row }]))[0] as PinnedMessageView;
    });
  }

  /** Unpins a message; one not pinned is no change (still answered 204). */
  async unpin(user: User, messageId: string): Promise<void> {
    await writeWithEvents(this.deps.store, this.deps.bus, async (tx, log) => {
      await removePin(tx, log, await this.pinnable(tx, user, messageId), user.id);
    });
  }

  /** The conversation's pins the user may see (their periods of membership), newest first. */
  async list(user: User, conversationId: string): Promise<PinnedMessageView[]> {
    const repos = this.deps.store;
    const { self } = await loadMembership(repos, conversationId, user.id);
    const window = seqWindow(
      self,
      await repos.conversations.earlierPeriods(conversationId, user.id),
    );
    return presentPinned(repos, await repos.pins.list(conversationId, window));
  }
}
