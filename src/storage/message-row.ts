/** A stored message row, shaped alike whichever engine or path read it. */
import type { MessagesTable } from "./schema.js";

/**
 * A message as stored. The thread fields are optional: rows of the batch appenders (never
 * thread replies) and rows of schemas from before threads leave them out.
 */
export type MessageRow = MessagesTable;

/**
 * A row as every path returns it: seq a number (PostgreSQL's bigint comes as text), and
 * the thread fields present only on thread replies and the MLS fields only on encrypted
 * messages, as the batch appenders leave them out.
 */
export function normaliseMessage(row: MessageRow): MessageRow {
  const { thread_id, thread_seq, also_in_conversation, mls_kind, mls_epoch, mls_welcome, ...rest } =
    row;
  const normal: MessageRow = { ...rest, seq: Number(row.seq) };
  if (mls_kind) {
    normal.mls_kind = mls_kind;
    normal.mls_epoch = Number(mls_epoch);
    normal.mls_welcome = mls_welcome ?? null;
  }
  if (thread_id) {
    normal.thread_id = thread_id;
    normal.thread_seq = Number(thread_seq);
    normal.also_in_conversation = Number(also_in_conversation ?? 0);
  }
  return normal;
}
