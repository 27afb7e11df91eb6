/**
 * Deleting a message erases it from the event log too: the delete rewrites that message's
 * `message.new` and `message.updated` events to its tombstone. `events.message_id` finds
 * them through an index instead of reading payloads; it is backfilled here from the
 * payload of every event that carries a message. Rows written without it (by a node of
 * an earlier version during a rolling upgrade) are found through a partial index of just
 * those rows, by conversation, and their payloads read.
 *
 * Messages deleted before this step are erased from the log here, once. On SQLite the
 * full-text index is switched to FTS5's secure-delete, which removes a deleted row's terms
 * from the index at once instead of leaving them in older segments behind a delete
 * marker, and merged ('optimize') so the terms of messages deleted before are dropped.
 * Frozen in time: never import application types here.
 */
import { type Kysely, type Migration, sql } from "kysely";

export function eventMessageIds(engine: "sqlite" | "postgres"): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema.alterTable("events").addColumn("message_id", "text").execute();
      if (engine === "postgres") {
        await sql`update events set message_id = (payload::json->'message'->>'id')
          where type in ('message.new', 'message.updated', 'message.deleted')`.execute(db);
      } else {
        await sql`update events set message_id = json_extract(payload, '$.message.id')
          where type in ('message.new', 'message.updated', 'message.deleted')`.execute(db);
      }
      await db.schema
        .createIndex("events_message_id")
        .on("events")
        .column("message_id")
        .where(sql.ref("message_id"), "is not", null)
        .execute();
      await db.schema
        .createIndex("events_message_id_missing")
        .on("events")
        .column("conversation_id")
        .where(sql<boolean>`message_id is null and type in ('message.new', 'message.updated')`)
        .execute();

      // Erase what the log still holds of messages deleted before this step.
      if (engine === "postgres") {
        await sql`update events e
          set payload = (jsonb_set(jsonb_set(
              (e.payload::jsonb #- '{message,attachments}') #- '{message,reactions}',
              '{message,body}', '""'), '{message,deleted}', 'true'))::text
          from messages m
          where m.id = e.message_id and m.deleted_at is not null
            and e.type in ('message.new', 'message.updated')`.execute(db);
      } else {
        await sql`update events
          set payload = json_set(
            json_remove(payload, '$.message.attachments', '$.message.reactions'),
            '$.message.body', '', '$.message.deleted', json('true'))
          where type in ('message.new', 'message.updated')
            and message_id in (select id from messages where deleted_at is not null)`.execute(db);
        await sql`insert into message_search (message_search, rank) values ('secure-delete', 1)`.execute(
          db,
        );
        await sql`insert into message_search (message_search) values ('optimize')`.execute(db);
      }
    },
  };
}
