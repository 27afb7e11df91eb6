/**
 * Fills one conversation with N messages directly in the database, while the server is
 * stopped: sending 100,000 messages through the server would take a minute and measure
 * sends, not reads. Rows are written as the server writes them (gapless seqs from 1,
 * alternating senders) and the conversation's last_seq is moved to N. The event log is
 * left alone: history pages read the messages table only.
 */

import { randomUUID } from "node:crypto";
import { inBenchSchema, openBenchSqlite, type ServerSetup } from "./chat-server.js";

export interface SeedTarget {
  conversationId: string;
  senderIds: [string, string];
  messages: number;
}

const BODY = "history message for the benchmark, about the length of a short chat line";

function seedSqlite(setup: ServerSetup, target: SeedTarget): void {
  const db = openBenchSqlite(setup);
  try {
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = NORMAL");
    const insert = db.prepare(
      `insert into messages (id, conversation_id, seq, sender_id, body, client_id, reply_to, created_at, edited_at, deleted_at)
       values (?, ?, ?, ?, ?, null, null, ?, null, null)`,
    );
    const start = Date.now() - target.messages;
    db.transaction(() => {
      for (let seq = 1; seq <= target.messages; seq++) {
        const sender = target.senderIds[seq % 2];
        insert.run(
          randomUUID(),
          target.conversationId,
          seq,
          sender,
          `${BODY} #${seq}`,
          start + seq,
        );
      }
      db.prepare("update conversations set last_seq = ?, last_activity_at = ? where id = ?").run(
        target.messages,
        start + target.messages,
        target.conversationId,
      );
    })();
    db.pragma("wal_checkpoint(TRUNCATE)");
  } finally {
    db.close();
  }
}

async function seedPostgres(setup: ServerSetup, target: SeedTarget): Promise<void> {
  const start = Date.now() - target.messages;
  await inBenchSchema(setup, async (client) => {
    await client.query(
      `insert into messages (id, conversation_id, seq, sender_id, body, client_id, reply_to, created_at, edited_at, deleted_at)
       select gen_random_uuid()::text, $1, g, case when g % 2 = 0 then $2 else $3 end,
              $4 || ' #' || g, null, null, $5::bigint + g, null, null
       from generate_series(1, $6::int) as g`,
      [
        target.conversationId,
        target.senderIds[0],
        target.senderIds[1],
        BODY,
        start,
        target.messages,
      ],
    );
    await client.query(
      "update conversations set last_seq = $1, last_activity_at = $2 where id = $3",
      [target.messages, start + target.messages, target.conversationId],
    );
    await client.query("analyze messages");
  });
}

/** Inserts the messages; the server must not be running. Returns how it was done. */
export async function seedHistory(setup: ServerSetup, target: SeedTarget): Promise<string> {
  if (setup.options.database === "postgres") {
    await seedPostgres(setup, target);
    return "postgres: one INSERT ... SELECT FROM generate_series into the stopped server's schema";
  }
  seedSqlite(setup, target);
  return "sqlite: better-sqlite3 prepared INSERTs in one transaction into the stopped server's file";
}
