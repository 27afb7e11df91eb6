/**
 * Bulk seeding for `scale`: one person in C conversations holding N messages, written
 * straight into the stopped server's database, in steps (10k, then up to 100k, ...), so
 * each size is measured on the database the previous size left.
 *
 * What is written is what the server writes for a sent message: the message row (a
 * UUIDv7-shaped id, gapless seqs per conversation), its `message.new` event as a
 * reference (an empty payload, as storage/events.ts writes once the contract step 020 is
 * applied), its full-text entry (SQLite's FTS5 table; PostgreSQL's GIN index follows the
 * rows), and each conversation's last_seq and last_activity_at. The conversations are
 * copies of one group made over the REST API, so every column the migrations added has
 * the value the server gave it.
 *
 * Message k (from 0) lands in the big conversation (index 0) when k is even, else in one
 * of the others in turn; its time is `start + k * stepMs`, so the newest hour holds the
 * same number of messages at every size. Bodies carry two search terms of known
 * frequency: `w<k mod 1000>` (one message in 1,000) and `t<k mod 97>` (one in 97).
 */
import type SqliteDatabase from "better-sqlite3-multiple-ciphers";
import type pg from "pg";
import { inBenchSchema, openBenchSqlite, type ServerSetup } from "./chat-server.js";

export interface ScalePlan {
  /** The group made over REST; it becomes conversation 0, the big one. */
  templateId: string;
  conversations: number;
  /** Time of message 0 and the time between two messages, ms. */
  startMs: number;
  stepMs: number;
}

export const RARE_TERMS = 1000;
export const COMMON_TERMS = 97;

/** The id of conversation `index`; 0 is the template. */
export function scaleConversationId(plan: ScalePlan, index: number): string {
  return index === 0 ? plan.templateId : `scale-${String(index).padStart(6, "0")}`;
}

/** Messages conversation `index` holds after `total` messages were seeded. */
export function messagesIn(plan: ScalePlan, index: number, total: number): number {
  if (index === 0) return Math.ceil(total / 2);
  const others = plan.conversations - 1;
  const odd = Math.floor(total / 2);
  return Math.floor(odd / others) + (index - 1 < odd % others ? 1 : 0);
}

/**
 * The per-message arithmetic, in SQL over an integer `k`, the same on both engines:
 * conversation index, seq, and time.
 */
function placement(plan: ScalePlan): { idx: string; seq: string; at: string } {
  const others = plan.conversations - 1;
  return {
    idx: `(case when k % 2 = 0 then 0 else 1 + ((k - 1) / 2) % ${others} end)`,
    seq: `(case when k % 2 = 0 then k / 2 + 1 else ((k - 1) / 2) / ${others} + 1 end)`,
    at: `(${plan.startMs} + k * ${plan.stepMs})`,
  };
}

const BODY = (k: string, cat: (...parts: string[]) => string) =>
  cat(
    "'scale message '",
    k,
    "' about w'",
    `${k} % ${RARE_TERMS}`,
    "' and t'",
    `${k} % ${COMMON_TERMS}`,
    "', a line of ordinary length for a chat'",
  );

/** The template's two members, who take turns sending. */
const SENDERS = (plan: ScalePlan) =>
  `select min(user_id) as a, max(user_id) as b from conversation_members where conversation_id = '${plan.templateId}'`;

// ---- SQLite ----------------------------------------------------------------------

function columns(db: SqliteDatabase.Database, table: string): string[] {
  return db
    .prepare<[], { name: string }>(`select name from pragma_table_info('${table}')`)
    .all()
    .map((c) => c.name);
}

/** Copies the template's row and members into conversations 1..C-1. */
function cloneConversationsSqlite(db: SqliteDatabase.Database, plan: ScalePlan): void {
  db.exec("create temp table if not exists scale_convs (idx integer primary key, id text)");
  const put = db.prepare("insert or ignore into scale_convs (idx, id) values (?, ?)");
  for (let i = 0; i < plan.conversations; i++) put.run(i, scaleConversationId(plan, i));
  const exists = db
    .prepare("select 1 from conversations where id = ?")
    .get(scaleConversationId(plan, 1));
  if (exists || plan.conversations < 2) return;
  const conv = columns(db, "conversations");
  const pick = (c: string) =>
    c === "id" ? "s.id" : c === "title" ? "'scale ' || s.idx" : `t.${c}`;
  db.prepare(
    `insert into conversations (${conv.join(", ")})
     select ${conv.map(pick).join(", ")} from conversations t, scale_convs s
     where t.id = ? and s.idx > 0`,
  ).run(plan.templateId);
  const members = columns(db, "conversation_members");
  const pickMember = (c: string) => (c === "conversation_id" ? "s.id" : `t.${c}`);
  db.prepare(
    `insert into conversation_members (${members.join(", ")})
     select ${members.map(pickMember).join(", ")} from conversation_members t, scale_convs s
     where t.conversation_id = ? and s.idx > 0`,
  ).run(plan.templateId);
}

function seedSqlite(setup: ServerSetup, plan: ScalePlan, from: number, to: number): void {
  const db = openBenchSqlite(setup);
  try {
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = OFF");
    db.pragma("cache_size = -1048576");
    db.pragma("temp_store = MEMORY");
    const p = placement(plan);
    const cat = (...parts: string[]) =>
      parts.map((x) => (x.startsWith("'") ? x : `(${x})`)).join(" || ");
    const range = `with recursive g(k) as (select ${from} union all select k + 1 from g where k < ${to - 1})`;
    // A UUIDv7 shape: 48 bits of time, version 7, then k, so ids grow with k.
    const id = `printf('%08x-%04x-7000-8000-%012x', ${p.at} / 65536, ${p.at} % 65536, k)`;
    db.transaction(() => {
      cloneConversationsSqlite(db, plan);
      db.exec(`${range}
        insert into messages (id, conversation_id, seq, sender_id, body, client_id, reply_to, created_at, edited_at, deleted_at)
        select ${id}, s.id, ${p.seq}, case when (k / 2) % 2 = 0 then m.a else m.b end,
          ${BODY("k", cat)}, null, null, ${p.at}, null, null
        from g join scale_convs s on s.idx = ${p.idx}
        cross join (${SENDERS(plan)}) m order by k`);
      db.exec(`${range}
        insert into events (conversation_id, user_id, type, payload, created_at, message_id)
        select s.id, null, 'message.new', '', ${p.at}, ${id}
        from g join scale_convs s on s.idx = ${p.idx} order by k`);
      const firstId = db
        .prepare<[number], { id: string }>(`select ${id} as id from (select ? as k)`)
        .get(from)?.id;
      const firstDoc = Number(
        db
          .prepare<[], { n: number }>(
            "select coalesce(max(doc_id), 0) + 1 as n from message_search_docs",
          )
          .get()?.n,
      );
      db.prepare(
        "insert into message_search_docs (message_id) select id from messages where id >= ? order by id",
      ).run(firstId);
      db.prepare(
        `insert into message_search (rowid, body)
         select d.doc_id, m.body from message_search_docs d join messages m on m.id = d.message_id
         where d.doc_id >= ?`,
      ).run(firstDoc);
      db.exec(`update conversations set
          last_seq = (select coalesce(max(seq), 0) from messages where conversation_id = conversations.id),
          last_activity_at = max(last_activity_at, (select coalesce(max(created_at), 0) from messages where conversation_id = conversations.id))
        where id in (select id from scale_convs)`);
      // A person who keeps up: three messages unread in each conversation.
      db.exec(`update conversation_members set read_seq = max(0, (select last_seq from conversations c where c.id = conversation_id) - 3)
        where conversation_id in (select id from scale_convs)`);
    })();
    db.pragma("wal_checkpoint(TRUNCATE)");
    db.exec("analyze");
  } finally {
    db.close();
  }
}

// ---- PostgreSQL --------------------------------------------------------------------

async function pgColumns(client: pg.Client, table: string): Promise<string[]> {
  const { rows } = await client.query<{ column_name: string }>(
    `select column_name from information_schema.columns
     where table_schema = current_schema() and table_name = $1 order by ordinal_position`,
    [table],
  );
  return rows.map((r) => r.column_name);
}

async function cloneConversationsPostgres(client: pg.Client, plan: ScalePlan): Promise<void> {
  await client.query("create temp table scale_convs (idx integer primary key, id text)");
  await client.query(
    `insert into scale_convs select g, case when g = 0 then $1 else 'scale-' || lpad(g::text, 6, '0') end
     from generate_series(0, $2::int - 1) g`,
    [plan.templateId, plan.conversations],
  );
  const exists = await client.query("select 1 from conversations where id = $1", [
    scaleConversationId(plan, 1),
  ]);
  if (exists.rowCount || plan.conversations < 2) return;
  const conv = await pgColumns(client, "conversations");
  const pick = (c: string) =>
    c === "id" ? "s.id" : c === "title" ? "'scale ' || s.idx" : `t.${c}`;
  await client.query(
    `insert into conversations (${conv.join(", ")})
     select ${conv.map(pick).join(", ")} from conversations t, scale_convs s
     where t.id = $1 and s.idx > 0`,
    [plan.templateId],
  );
  const members = await pgColumns(client, "conversation_members");
  const pickMember = (c: string) => (c === "conversation_id" ? "s.id" : `t.${c}`);
  await client.query(
    `insert into conversation_members (${members.join(", ")})
     select ${members.map(pickMember).join(", ")} from conversation_members t, scale_convs s
     where t.conversation_id = $1 and s.idx > 0`,
    [plan.templateId],
  );
}

/**
 * Secondary indexes of the bulk-loaded tables are dropped for the load and built again
 * from their own definitions afterwards: one sorted build instead of N inserts into each.
 */
async function withoutIndexes(client: pg.Client, load: () => Promise<void>): Promise<void> {
  const { rows } = await client.query<{ name: string; def: string }>(
    `select i.indexname as name, i.indexdef as def from pg_indexes i
     join pg_index x on x.indexrelid = (quote_ident(i.schemaname) || '.' || quote_ident(i.indexname))::regclass
     where i.schemaname = current_schema() and i.tablename in ('messages', 'events') and not x.indisprimary
       and not exists (select 1 from pg_constraint k where k.conindid = x.indexrelid)`,
  );
  for (const row of rows) await client.query(`drop index ${row.name}`);
  await load();
  await client.query("set maintenance_work_mem = '1GB'");
  for (const row of rows) await client.query(row.def);
}

async function seedPostgres(setup: ServerSetup, plan: ScalePlan, from: number, to: number) {
  await inBenchSchema(setup, async (client) => {
    await client.query("set synchronous_commit = off");
    await cloneConversationsPostgres(client, plan);
    const p = placement(plan);
    const cat = (...parts: string[]) =>
      parts.map((x) => (x.startsWith("'") ? x : `(${x})::text`)).join(" || ");
    const id = `lpad(to_hex(${p.at}), 12, '0')`;
    const messageId = `substr(${id}, 1, 8) || '-' || substr(${id}, 9, 4) || '-7000-8000-' || lpad(to_hex(k), 12, '0')`;
    const range = `generate_series(${from}::bigint, ${to - 1}::bigint) as k`;
    await withoutIndexes(client, async () => {
      await client.query(
        `insert into messages (id, conversation_id, seq, sender_id, body, client_id, reply_to, created_at, edited_at, deleted_at)
         select ${messageId}, s.id, ${p.seq},
           case when (k / 2) % 2 = 0 then m.a else m.b end,
           ${BODY("k", cat)}, null, null, ${p.at}, null, null
         from ${range} join scale_convs s on s.idx = ${p.idx}
         cross join (${SENDERS(plan)}) m`,
      );
      await client.query(
        `insert into events (conversation_id, user_id, type, payload, created_at, message_id)
         select s.id, null, 'message.new', '', ${p.at}, ${messageId}
         from ${range} join scale_convs s on s.idx = ${p.idx} order by k`,
      );
    });
    await client.query(`update conversations c set last_seq = x.last_seq, last_activity_at = greatest(c.last_activity_at, x.at)
      from (select conversation_id, max(seq) as last_seq, max(created_at) as at from messages group by conversation_id) x
      where x.conversation_id = c.id`);
    await client.query(`update conversation_members m set read_seq = greatest(0, c.last_seq - 3)
      from conversations c where c.id = m.conversation_id`);
    await client.query("analyze");
  });
}

/** Adds messages `from`..`to - 1`; the server must not be running. */
export async function seedScale(
  setup: ServerSetup,
  plan: ScalePlan,
  from: number,
  to: number,
): Promise<void> {
  if (to <= from) return;
  if (setup.options.database === "postgres") await seedPostgres(setup, plan, from, to);
  else seedSqlite(setup, plan, from, to);
}

/** Bytes the database takes on disk: the SQLite file (checkpointed), or the schema's tables. */
export async function databaseBytes(setup: ServerSetup): Promise<number> {
  if (setup.options.database === "postgres") {
    let bytes = 0;
    await inBenchSchema(setup, async (client) => {
      const { rows } = await client.query<{ bytes: string }>(
        `select coalesce(sum(pg_total_relation_size(c.oid)), 0) as bytes from pg_class c
         join pg_namespace n on n.oid = c.relnamespace
         where n.nspname = current_schema() and c.relkind in ('r', 'm')`,
      );
      bytes = Number(rows[0]?.bytes ?? 0);
    });
    return bytes;
  }
  const db = openBenchSqlite(setup);
  try {
    db.pragma("wal_checkpoint(TRUNCATE)");
    const pages = Number(db.pragma("page_count", { simple: true }));
    const free = Number(db.pragma("freelist_count", { simple: true }));
    const size = Number(db.pragma("page_size", { simple: true }));
    return (pages - free) * size;
  } finally {
    db.close();
  }
}
