/**
 * Adds newly stored messages to SQLite's full-text index (migration 006's
 * `message_search`, numbered through `message_search_docs`). Call it after the
 * transaction's other writes, with every message it stored: FTS5 flushes its pending
 * terms whenever another statement begins, so one statement for the whole batch leaves
 * one index segment rather than one per message. Loaded by the writer thread, so it
 * loads no Kysely (search.ts indexes a message stored through Kysely).
 */
import type SqliteDatabase from "better-sqlite3-multiple-ciphers";

const NUMBER_DOC = "insert into message_search_docs (message_id) values (?)";
const INDEX_FROM = `insert into message_search (rowid, body)
  select d.doc_id, m.body from message_search_docs d join messages m on m.id = d.message_id
  where d.doc_id >= ? and m.deleted_at is null`;

export function searchIndexer(raw: SqliteDatabase.Database): (messageIds: string[]) => void {
  const numberDoc = raw.prepare(NUMBER_DOC);
  const indexFrom = raw.prepare(INDEX_FROM);
  return (messageIds) => {
    if (messageIds.length === 0) return;
    // The transaction holds the write lock, so this batch's doc ids are consecutive.
    let first = 0;
    for (const id of messageIds) {
      const doc = Number(numberDoc.run(id).lastInsertRowid);
      if (first === 0) first = doc;
    }
    indexFrom.run(first);
  };
}
