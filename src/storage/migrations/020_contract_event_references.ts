/**
 * The event log stops repeating messages: every `message.new` and `message.updated` event
 * that carries a whole message becomes a reference to it (an empty payload: the row's
 * type, conversation_id and message_id columns say which message, the form
 * storage/events.ts writes from now on), and replay reads the message row instead. A
 * contract step: a node of a version that cannot read references (before this one) may
 * not serve the log afterwards.
 *
 * The pages this frees are reused by new rows; on SQLite a database with incremental
 * auto-vacuum gives them back to the file system at the next retention sweep that
 * removes anything, and on PostgreSQL autovacuum marks them free.
 * Frozen in time: never import application types here.
 */
import { type Kysely, type Migration, sql } from "kysely";

export const contractEventReferences: Migration = {
  async up(db: Kysely<any>) {
    await sql`update events set payload = ''
      where type in ('message.new', 'message.updated')
        and message_id is not null and conversation_id is not null`.execute(db);
  },
};
