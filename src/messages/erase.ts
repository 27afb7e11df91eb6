/**
 * Erasing a message for real, the one way every deletion takes (a person deleting it, the
 * retention sweep): the body and earlier versions, reactions, the log's copies of it and
 * pushes not yet sent go; its files are unlinked and collected once the transaction
 * commits (attachments/setup.ts); a tombstone with its id and seq stays so history is
 * gapless. Members hear `message.deleted`, a thread its new summary, a pin its removal.
 */
import type { MessageView } from "@private-chat/protocol/chat";
import type { EventLog } from "../events/log.js";
import type { MessageRow } from "../storage/message-row.js";
import type { Repositories } from "../storage/store.js";
import { removePin } from "./pins.js";
import { presentMessage, withThread } from "./present.js";

/**
 * Erases `row` inside the caller's transaction. `by` is who deleted it, or null when it
 * expired.
 */
export async function eraseMessage(
  tx: Repositories,
  log: EventLog,
  row: MessageRow,
  by: string | null,
  now: number,
): Promise<MessageView> {
  await tx.messages.tombstone(row.id, now);
  await tx.attachments.markDeletedWithMessage(row.id, now);
  const message = await withThread(tx, presentMessage({ ...row, body: "", deleted_at: now }));
  // Events that sync or a gap fill would replay become the tombstone.
  await tx.events.eraseMessage(row.conversation_id, row.id, message);
  await tx.push.dropForMessage(row.id);
  await tx.eventSubscriptions.dropForMessage(row.id);
  await log.append({ type: "message.deleted", conversation_id: row.conversation_id, message });
  if (row.thread_id) {
    // A deleted reply leaves the thread's count.
    const thread = await tx.threads.removeReply(row.thread_id);
    if (thread)
      await log.append({
        type: "thread.updated",
        conversation_id: row.conversation_id,
        root_id: row.thread_id,
        thread,
      });
  }
  // A deleted message is pinned no more; the event keeps every member's pins right.
  await removePin(tx, log, row, by);
  return message;
}
