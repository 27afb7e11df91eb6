/**
 * Threads. A reply in a thread is a message like any other (it takes the conversation's
 * next seq, so sync, resume and membership periods hold for it unchanged) that names its
 * root in `messages.thread_id`, with its gapless place in the thread in `thread_seq`;
 * `also_in_conversation` is 1 when the timeline shows it too. `thread_id` has no foreign
 * key: a root is never removed apart from its replies (a deleted root stays a tombstone,
 * a removed conversation takes every row), and the copier may then load rows in id order.
 * `threads`: one row per root with replies: the last thread_seq handed out, the live
 * replies counted, when the last came, and who replied most recently (a JSON array of
 * at most 5 user ids, newest first). `thread_follows`: who follows a thread (the root's
 * author, whoever replied or was mentioned in it, whoever chose to), with `following` 0
 * kept for someone who chose to stop, and how far each has read it (a thread_seq).
 * Frozen in time.
 */
import type { Kysely, Migration } from "kysely";

export const threads: Migration = {
  async up(db: Kysely<any>) {
    await db.schema.alterTable("messages").addColumn("thread_id", "text").execute();
    await db.schema.alterTable("messages").addColumn("thread_seq", "integer").execute();
    await db.schema
      .alterTable("messages")
      .addColumn("also_in_conversation", "integer", (c) => c.notNull().defaultTo(0))
      .execute();
    // A thread's page reads its replies in order; a root has each place once.
    await db.schema
      .createIndex("messages_thread")
      .on("messages")
      .columns(["thread_id", "thread_seq"])
      .unique()
      .execute();
    await db.schema
      .createTable("threads")
      .addColumn("root_id", "text", (c) =>
        c.primaryKey().references("messages.id").onDelete("cascade"),
      )
      .addColumn("conversation_id", "text", (c) =>
        c.notNull().references("conversations.id").onDelete("cascade"),
      )
      .addColumn("last_seq", "integer", (c) => c.notNull())
      .addColumn("reply_count", "integer", (c) => c.notNull())
      .addColumn("last_reply_at", "bigint")
      .addColumn("participant_ids", "text", (c) => c.notNull())
      .execute();
    await db.schema
      .createTable("thread_follows")
      .addColumn("root_id", "text", (c) =>
        c.notNull().references("threads.root_id").onDelete("cascade"),
      )
      .addColumn("user_id", "text", (c) => c.notNull().references("users.id").onDelete("cascade"))
      .addColumn("following", "integer", (c) => c.notNull())
      .addColumn("read_seq", "integer", (c) => c.notNull())
      .addPrimaryKeyConstraint("thread_follows_pk", ["root_id", "user_id"])
      .execute();
    // A person's followed threads.
    await db.schema
      .createIndex("thread_follows_user")
      .on("thread_follows")
      .columns(["user_id", "following"])
      .execute();
  },
};
