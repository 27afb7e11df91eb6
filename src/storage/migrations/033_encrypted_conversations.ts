/**
 * End-to-end encrypted conversations (docs/E2EE.md). `conversations.encrypted` 1 marks
 * one whose messages are MLS messages; `mls_epoch` counts the commits the server took,
 * which is the epoch the next one must come from (one commit per epoch). On `messages`,
 * `mls_kind` (application, commit or proposal) and `mls_epoch` are read from the MLS
 * message's clear header, and `mls_welcome` holds the welcome a commit carries for the
 * devices it adds (base64url). All three are null on text messages.
 *
 * Ciphertext is not indexed for search. On SQLite the code that stores a message indexes
 * it (008) and leaves MLS messages out, so the triggers that make the index forget an
 * edited or deleted body, and the view it reads bodies through, leave them out too (an
 * external-content FTS5 index must be told exactly what it holds). PostgreSQL's search
 * leaves them out in its query.
 * Frozen in time: never import application types here.
 */
import { type Kysely, type Migration, sql } from "kysely";

async function searchSkipsCiphertext(db: Kysely<any>): Promise<void> {
  await sql`drop view message_search_source`.execute(db);
  await sql`create view message_search_source as
    select d.doc_id as doc_id, m.body as body
    from message_search_docs d join messages m on m.id = d.message_id
    where m.deleted_at is null and m.mls_kind is null`.execute(db);
  await sql`drop trigger message_search_after_update`.execute(db);
  await sql`create trigger message_search_after_update after update of body, deleted_at on messages begin
    insert into message_search (message_search, rowid, body)
      select 'delete', doc_id, old.body from message_search_docs
      where message_id = old.id and old.deleted_at is null and old.mls_kind is null;
    insert into message_search (rowid, body)
      select doc_id, new.body from message_search_docs
      where message_id = new.id and new.deleted_at is null and new.mls_kind is null;
  end`.execute(db);
  await sql`drop trigger message_search_after_delete`.execute(db);
  await sql`create trigger message_search_after_delete after delete on messages begin
    insert into message_search (message_search, rowid, body)
      select 'delete', doc_id, old.body from message_search_docs
      where message_id = old.id and old.deleted_at is null and old.mls_kind is null;
    delete from message_search_docs where message_id = old.id;
  end`.execute(db);
}

export const encryptedConversations = (engine: "sqlite" | "postgres"): Migration => ({
  async up(db: Kysely<any>) {
    await db.schema
      .alterTable("conversations")
      .addColumn("encrypted", "integer", (c) => c.notNull().defaultTo(0))
      .execute();
    await db.schema
      .alterTable("conversations")
      .addColumn("mls_epoch", "bigint", (c) => c.notNull().defaultTo(0))
      .execute();
    await db.schema.alterTable("messages").addColumn("mls_kind", "text").execute();
    await db.schema.alterTable("messages").addColumn("mls_epoch", "bigint").execute();
    await db.schema.alterTable("messages").addColumn("mls_welcome", "text").execute();
    if (engine === "sqlite") await searchSkipsCiphertext(db);
  },
});
