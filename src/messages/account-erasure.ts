/**
 * Erases the messages of deleted accounts (`[accounts] on_delete = "erase"`), for real,
 * through the one erasure path (erase.ts): conversation by conversation, in small
 * transactions that each go on from the seq the previous one reached
 * (account_erasures.erased_seq), so an erasure stopped anywhere goes on at the next
 * retention sweep. The account's deletion queues the work and starts a sweep at once.
 */
import type { DomainEvents } from "../events/bus.js";
import { writeWithEvents } from "../events/log.js";
import type { ErasureJob } from "../storage/account-erasures.js";
import type { Store } from "../storage/store.js";
import { eraseMessage } from "./erase.js";

const BATCH = 200;

/** Erases every queued message; returns how many. */
export async function eraseDeletedAccounts(store: Store, bus: DomainEvents): Promise<number> {
  let erased = 0;
  for (const job of await store.accountErasures.pending()) {
    for (;;) {
      const batch = await eraseBatch(store, bus, job);
      erased += batch.erased;
      if (batch.done) break;
    }
  }
  return erased;
}

function eraseBatch(
  store: Store,
  bus: DomainEvents,
  { userId, conversationId }: ErasureJob,
): Promise<{ erased: number; done: boolean }> {
  return writeWithEvents(store, bus, async (tx, log) => {
    const from = await tx.accountErasures.progress(userId, conversationId);
    // Another sweep finished it meanwhile.
    if (from === undefined) return { erased: 0, done: true };
    const rows = await tx.messages.oldestAfter(conversationId, from, BATCH, userId);
    const now = Date.now();
    for (const row of rows) await eraseMessage(tx, log, row, null, now);
    if (rows.length < BATCH) await tx.accountErasures.finish(userId, conversationId);
    else await tx.accountErasures.advance(userId, conversationId, rows.at(-1)?.seq ?? from);
    return { erased: rows.length, done: rows.length < BATCH };
  });
}
