/**
 * Full-text search over message bodies, kept current by the database itself so the send
 * path never has to think about it. Tombstoned messages (deleted_at set) are not indexed.
 * Frozen in time: never import application types here.
 *
 * SQLite: an FTS5 table whose content is read from `messages` through a view. The FTS
 * rowid comes from `message_search_docs`, an INTEGER PRIMARY KEY table mapping it to a
 * message id, because `messages` has a text key and its implicit rowid may be renumbered
 * by VACUUM, which would silently point the index at the wrong rows.
 *
 * PostgreSQL: a GIN expression index on to_tsvector('simple', body) over the messages not
 * deleted. An expression index rather than a stored tsvector column keeps `select *` of
 * messages unchanged. The `simple` configuration lowercases without stemming or stop
 * words: chats mix languages, and it behaves like the SQLite tokenizer (which does not
 * stem either). Every '<' is read as a space first: bodies are plain text, and the
 * default parser would otherwise take "x<y and y>z" for an HTML tag and skip its words.
 */
import { type Kysely, type Migration, sql } from "kysely";

async function upSqlite(db: Kysely<any>): Promise<void> {
  await sql`create table message_search_docs (
    doc_id integer primary key,
    message_id text not null unique
  )`.execute(db);
  await sql`create view message_search_source as
    select d.doc_id as doc_id, m.body as body
    from message_search_docs d join messages m on m.id = d.message_id
    where m.deleted_at is null`.execute(db);
  await sql`create virtual table message_search using fts5(
    body,
    content = 'message_search_source',
    content_rowid = 'doc_id',
    tokenize = 'unicode61 remove_diacritics 2'
  )`.execute(db);

  // An external-content index must be told exactly what it indexed to forget it again,
  // so every 'delete' repeats the old body, and only for rows that were indexed.
  await sql`create trigger message_search_after_insert after insert on messages begin
    insert into message_search_docs (message_id) values (new.id);
    insert into message_search (rowid, body)
      select doc_id, new.body from message_search_docs
      where message_id = new.id and new.deleted_at is null;
  end`.execute(db);
  await sql`create trigger message_search_after_update after update of body, deleted_at on messages begin
    insert into message_search (message_search, rowid, body)
      select 'delete', doc_id, old.body from message_search_docs
      where message_id = old.id and old.deleted_at is null;
    insert into message_search (rowid, body)
      select doc_id, new.body from message_search_docs
      where message_id = new.id and new.deleted_at is null;
  end`.execute(db);
  await sql`create trigger message_search_after_delete after delete on messages begin
    insert into message_search (message_search, rowid, body)
      select 'delete', doc_id, old.body from message_search_docs
      where message_id = old.id and old.deleted_at is null;
    delete from message_search_docs where message_id = old.id;
  end`.execute(db);

  // Backfill: number the existing messages, then index them all in one pass.
  await sql`insert into message_search_docs (message_id)
    select id from messages order by conversation_id, seq`.execute(db);
  await sql`insert into message_search (message_search) values ('rebuild')`.execute(db);
}

async function upPostgres(db: Kysely<any>): Promise<void> {
  // Building the index reads every message once; that is the backfill.
  await sql`create index messages_body_search on messages
    using gin (to_tsvector('simple'::regconfig, replace(body, '<', ' ')))
    where deleted_at is null`.execute(db);
}

export function search(engine: "sqlite" | "postgres"): Migration {
  return {
    async up(db: Kysely<any>) {
      if (engine === "postgres") await upPostgres(db);
      else await upSqlite(db);
    },
  };
}
