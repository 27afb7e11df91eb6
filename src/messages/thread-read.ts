/**
 * A person's read position in a thread moves forward only; when it moved, their own
 * devices hear of it (`thread.read`). Shared by reading a thread and replying in one.
 */
import type { EventLog } from "../events/log.js";
import type { Repositories } from "../storage/store.js";

export interface ThreadPlace {
  rootId: string;
  conversationId: string;
}

/** Moves `userId`'s position in the thread to `seq` unless it is further; returns it. */
export async function moveThreadRead(
  tx: Repositories,
  log: EventLog,
  thread: ThreadPlace,
  userId: string,
  seq: number,
): Promise<number> {
  const before = (await tx.threadFollows.of(thread.rootId, userId))?.readSeq ?? 0;
  const now = await tx.threadFollows.markRead(thread.rootId, userId, seq);
  if (now > before)
    await log.append(
      {
        type: "thread.read",
        conversation_id: thread.conversationId,
        root_id: thread.rootId,
        thread_seq: now,
      },
      { userId },
    );
  return now;
}
