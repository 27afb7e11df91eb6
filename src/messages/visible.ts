/**
 * The one check before anything is done to a message by id: it exists and the user is a
 * member who may see it (inside one of their periods of membership). A message out of
 * sight is not found, exactly like a missing one, so a non-member learns nothing.
 */
import { AppError } from "../errors.js";
import type { Member } from "../storage/conversations.js";
import { memberSees } from "../storage/membership-window.js";
import type { MessageRow } from "../storage/messages.js";
import type { Repositories } from "../storage/store.js";

export function messageNotFound(): AppError {
  return new AppError("not_found", "message not found");
}

/** Loads a message the user may see, with the user's membership of its conversation. */
export async function visibleMessage(
  tx: Repositories,
  userId: string,
  messageId: string,
): Promise<{ row: MessageRow; self: Member }> {
  const row = await tx.messages.byId(messageId);
  if (!row) throw messageNotFound();
  const self = await tx.conversations.member(row.conversation_id, userId);
  if (!self || !(await memberSees(tx.conversations, self, row.seq))) throw messageNotFound();
  return { row, self };
}
