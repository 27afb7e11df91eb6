import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { it } from "node:test";
import { sql } from "kysely";
import type { MessageRow } from "../../src/storage/messages.js";
import { migrateThrough } from "../../src/storage/migrate.js";
import { MIGRATION_NAMES } from "../../src/storage/migrations/index.js";
import { searchQuery } from "../../src/storage/postgres/search.js";
import type { SearchRequest, SearchTerm } from "../../src/storage/search.js";
import { newSnippetMarks, SEARCH_DEPTH } from "../../src/storage/search-request.js";
import type { Repositories } from "../../src/storage/store.js";
import { makeConversation, makeUsers, memberRow, messageRow } from "../helpers/chat-rows.js";
import { describeEachEngine, type Engine, openTestStore } from "../helpers/databases.js";

/** A word no other test uses, so each test sees only its own messages. */
const tag = () => `w${randomBytes(5).toString("hex")}`;
const word = (text: string): SearchTerm => ({ kind: "word", text });
const phrase = (text: string): SearchTerm => ({ kind: "phrase", text });

async function post(repos: Repositories, conversationId: string, senderId: string, body: string) {
  const seq = await repos.conversations.allocateSeq(conversationId, Date.now());
  const row = messageRow(conversationId, seq, senderId, { body });
  await repos.messages.insert(row);
  return row;
}

async function find(
  repos: Repositories,
  userId: string,
  terms: SearchTerm[],
  options: Partial<SearchRequest> = {},
) {
  return repos.search.search({ userId, terms, limit: 50, ...options });
}

const bodies = (hits: { message: MessageRow }[]) => hits.map((h) => h.message.body).sort();

describeEachEngine("search store", (get, engine) => {
  it("finds messages by word, case-insensitively, and by phrase only in order", async () => {
    const { store } = get();
    const [a] = await makeUsers(store, 1);
    const chat = await makeConversation(store, [a!]);
    const t = tag();
    await post(store, chat.id, a!, `The quick brown fox ${t}`);
    await post(store, chat.id, a!, `brown quick fox ${t}`);
    await post(store, chat.id, a!, "nothing to see");

    assert.equal((await find(store, a!, [word(t.toUpperCase())])).length, 2);
    assert.deepEqual(bodies(await find(store, a!, [phrase("quick brown"), word(t)])), [
      `The quick brown fox ${t}`,
    ]);
    // Every term must match.
    assert.deepEqual(await find(store, a!, [word(t), word("absent")]), []);
  });

  it(`ranks only the ${SEARCH_DEPTH} most recent matches, so a common word costs the same in any history`, async () => {
    const { store } = get();
    const [a] = await makeUsers(store, 1);
    const chat = await makeConversation(store, [a!]);
    const t = tag();
    const base = Date.now() - 10 * 60_000;
    const at = async (i: number, body: string) => {
      const seq = await store.conversations.allocateSeq(chat.id, base + i);
      const row = messageRow(chat.id, seq, a!, { body, created_at: base + i });
      await store.messages.insert(row);
      return row;
    };
    // The best match of all is the oldest one, beyond the depth.
    const oldest = await at(0, `${t} ${t} ${t} ${t}`);
    for (let i = 1; i <= SEARCH_DEPTH; i++)
      await at(i, `${t} in a longer line of words, number ${i}`);
    const hits = await find(store, a!, [word(t)]);
    assert.equal(hits.length, 50);
    assert.ok(hits.every((h) => h.message.id !== oldest.id));
    // With one match fewer the oldest is within reach, and ranks first.
    await store.messages.tombstone(hits[0]!.message.id, Date.now());
    assert.equal((await find(store, a!, [word(t)]))[0]?.message.id, oldest.id);
  });

  it("returns the message, a snippet with highlight ranges, and ranks better matches first", async () => {
    const { store } = get();
    const [a] = await makeUsers(store, 1);
    const chat = await makeConversation(store, [a!]);
    const t = tag();
    const weak = await post(store, chat.id, a!, `one ${t} among many other words in a long line`);
    const strong = await post(store, chat.id, a!, `${t} ${t} ${t}`);

    const hits = await find(store, a!, [word(t)]);
    assert.deepEqual(
      hits.map((h) => h.message.id),
      [strong.id, weak.id],
    );
    assert.ok(hits[0]!.rank > hits[1]!.rank);
    assert.deepEqual(hits[1]!.message, weak);
    const snippet = hits[1]!.snippet;
    assert.match(snippet.text, new RegExp(`one ${t} among`));
    assert.deepEqual(
      snippet.highlights.map(([start, end]) => snippet.text.slice(start, end)),
      [t],
    );
  });

  it("reads bodies as plain text: markup is searchable and stays in the snippet", async () => {
    const { store } = get();
    const [a] = await makeUsers(store, 1);
    const chat = await makeConversation(store, [a!]);
    const t = tag();
    await post(store, chat.id, a!, `if x<y and y>z then <b>${t}</b> <script>inside</script>`);
    const hits = await find(store, a!, [word(t), word("and"), word("inside")]);
    assert.equal(hits.length, 1);
    const { text, highlights } = hits[0]!.snippet;
    assert.match(text, new RegExp(`x<y and y>z then <b>${t}</b> <script>inside</script>`));
    assert.ok(highlights.some(([start, end]) => text.slice(start, end) === t));
  });

  it("excerpts a long message around the match, marking the cuts", async () => {
    const { store } = get();
    const [a] = await makeUsers(store, 1);
    const chat = await makeConversation(store, [a!]);
    const t = tag();
    const filler = (n: number) => Array.from({ length: n }, (_, i) => `filler${i}`).join(" ");
    const body = `${filler(60)} ${t} ${filler(60)}.`;
    await post(store, chat.id, a!, body);
    const [hit] = await find(store, a!, [word(t)]);
    const { text, highlights } = hit!.snippet;
    assert.ok(text.length < body.length / 2, text);
    assert.ok(text.startsWith("…") || text.endsWith("…"), text);
    assert.deepEqual(
      highlights.map(([start, end]) => text.slice(start, end)),
      [t],
    );
  });

  it("never returns a conversation the user is not in, nor messages from before they joined", async () => {
    const { store } = get();
    const [a, b] = await makeUsers(store, 2);
    const t = tag();
    const theirs = await makeConversation(store, [b!]);
    await post(store, theirs.id, b!, `private ${t}`);
    const shared = await makeConversation(store, [b!]);
    await post(store, shared.id, b!, `before joining ${t}`);
    await post(store, shared.id, b!, `also before ${t}`);
    await store.conversations.addMembers([memberRow(shared.id, a!, { joined_seq: 2 })]);
    await post(store, shared.id, b!, `after joining ${t}`);

    assert.deepEqual(bodies(await find(store, a!, [word(t)])), [`after joining ${t}`]);
    assert.equal((await find(store, b!, [word(t)])).length, 4);
    // Asking for a conversation by id does not widen what the user may read.
    assert.deepEqual(await find(store, a!, [word(t)], { conversationIds: [theirs.id] }), []);
  });

  it("forgets deleted messages and finds edited text instead of the old one", async () => {
    const { store } = get();
    const [a] = await makeUsers(store, 1);
    const chat = await makeConversation(store, [a!]);
    const [gone, old, fresh] = [tag(), tag(), tag()];
    const deleted = await post(store, chat.id, a!, `soon ${gone}`);
    const edited = await post(store, chat.id, a!, `typo ${old}`);
    await store.messages.tombstone(deleted.id, Date.now());
    await store.messages.edit(edited.id, `fixed ${fresh}`, Date.now());

    assert.deepEqual(await find(store, a!, [word(gone)]), []);
    assert.deepEqual(await find(store, a!, [word(old)]), []);
    const hits = await find(store, a!, [word(fresh)]);
    assert.equal(hits.length, 1);
    assert.equal(hits[0]!.message.body, `fixed ${fresh}`);
    assert.notEqual(hits[0]!.message.edited_at, null);
    // Editing twice keeps the index in step.
    await store.messages.edit(edited.id, `again ${old}`, Date.now());
    assert.deepEqual(await find(store, a!, [word(fresh)]), []);
    assert.equal((await find(store, a!, [word(old)])).length, 1);
    if (engine === "sqlite") {
      // The triggers must have told FTS5 exactly what it indexed, or this fails.
      await sql`insert into message_search (message_search) values ('integrity-check')`.execute(
        store.db,
      );
    }
  });

  it("forgets messages whose rows are removed along with their conversation", async () => {
    const { store } = get();
    const [a] = await makeUsers(store, 1);
    const chat = await makeConversation(store, [a!]);
    const t = tag();
    await post(store, chat.id, a!, `doomed ${t}`);
    await store.db.deleteFrom("conversations").where("id", "=", chat.id).execute();
    assert.deepEqual(await find(store, a!, [word(t)]), []);
  });

  it("filters by sender and by conversation", async () => {
    const { store } = get();
    const [a, b] = await makeUsers(store, 2);
    const one = await makeConversation(store, [a!, b!]);
    const two = await makeConversation(store, [a!, b!]);
    const t = tag();
    await post(store, one.id, a!, `a in one ${t}`);
    await post(store, one.id, b!, `b in one ${t}`);
    await post(store, two.id, b!, `b in two ${t}`);

    assert.deepEqual(bodies(await find(store, a!, [word(t)], { senderId: b! })), [
      `b in one ${t}`,
      `b in two ${t}`,
    ]);
    assert.deepEqual(bodies(await find(store, a!, [word(t)], { conversationIds: [one.id] })), [
      `a in one ${t}`,
      `b in one ${t}`,
    ]);
    assert.deepEqual(
      bodies(await find(store, a!, [word(t)], { senderId: b!, conversationIds: [two.id] })),
      [`b in two ${t}`],
    );
    assert.deepEqual(await find(store, a!, [word(t)], { conversationIds: [] }), []);
  });

  it("pages with a cursor through every hit exactly once", async () => {
    const { store } = get();
    const [a] = await makeUsers(store, 1);
    const chat = await makeConversation(store, [a!]);
    const t = tag();
    const posted: string[] = [];
    // Some bodies tie on rank, so the id must break ties.
    for (let i = 0; i < 7; i += 1) {
      const repeats = Array.from({ length: (i % 3) + 1 }, () => t).join(" ");
      posted.push((await post(store, chat.id, a!, `${repeats} filler`)).id);
    }
    const seen: string[] = [];
    let before: SearchRequest["before"];
    for (let page = 0; page < 10; page += 1) {
      const hits = await find(store, a!, [word(t)], { limit: 3, before });
      seen.push(...hits.map((h) => h.message.id));
      const last = hits.at(-1);
      if (hits.length < 3 || !last) break;
      before = { rank: last.rank, id: last.message.id };
    }
    assert.equal(seen.length, 7);
    assert.deepEqual([...seen].sort(), [...posted].sort());
  });

  it("takes hostile query text as plain words, never as engine syntax or an error", async () => {
    const { store } = get();
    const [a] = await makeUsers(store, 1);
    const chat = await makeConversation(store, [a!]);
    const t = tag();
    await post(store, chat.id, a!, `near or and not ${t} body:x "quoted" back\\slash café 東京`);
    const hostile = [
      "NEAR(",
      'NEAR("a" "b", 2)',
      '"',
      '""',
      "*",
      `${t}*`,
      "^",
      "-",
      "OR",
      "AND NOT",
      "body:x",
      "back\\slash\\",
      "a & b | !c <-> d:*",
      "')--",
      "\u0000nul",
      "\ud800 lone surrogate",
      "🙂 ناس 東京",
      "x".repeat(10_000),
      `${"word ".repeat(2_000)}`,
    ];
    for (const text of hostile) {
      for (const kind of ["word", "phrase"] as const) {
        await find(store, a!, [{ kind, text }]);
        await find(store, a!, [{ kind, text }, word(t)]);
      }
    }
    // Operators are ordinary words: "OR" requires the word "or" rather than meaning OR.
    assert.equal((await find(store, a!, [word("OR"), word(t)])).length, 1);
    assert.equal((await find(store, a!, [word("OR"), word("absent"), word(t)])).length, 0);
    assert.equal((await find(store, a!, [phrase("body:x"), word(t)])).length, 1);
    assert.equal((await find(store, a!, [word("東京"), word(t)])).length, 1);
  });
});

/** Applies every migration before `first`, so messages exist before it runs. */
async function migrateBefore(store: Repositories, engine: Engine, first: string) {
  const earlier = MIGRATION_NAMES.filter((name) => name < first);
  await migrateThrough(store.db, engine, earlier.at(-1));
}

for (const engine of ["sqlite", "postgres"] as const) {
  it(`[${engine}] the search migration indexes the messages already there`, async () => {
    const opened = await openTestStore(engine, false);
    try {
      const { store } = opened;
      await migrateBefore(store, engine, "006_search");
      const [a] = await makeUsers(store, 1);
      const chat = await makeConversation(store, [a!]);
      const t = tag();
      // Written as a server from before search would have: straight into the table.
      const postOld = async (body: string) => {
        const seq = await store.conversations.allocateSeq(chat.id, Date.now());
        const row = messageRow(chat.id, seq, a!, { body });
        await store.db.insertInto("messages").values(row).execute();
        return row;
      };
      await postOld(`old news ${t}`);
      const removed = await postOld(`removed ${t}`);
      // Tombstoned as that server did (today's tombstone also erases tables of later steps).
      await store.db
        .updateTable("messages")
        .set({ body: "", deleted_at: Date.now() })
        .where("id", "=", removed.id)
        .execute();

      await store.migrate();
      const hits = await find(store, a!, [word(t)]);
      assert.deepEqual(bodies(hits), [`old news ${t}`]);
      await post(store, chat.id, a!, `new news ${t}`);
      assert.equal((await find(store, a!, [word(t)])).length, 2);
    } finally {
      await opened.cleanup();
    }
  });
}

it("[postgres] the search reads an index that holds no encrypted message", async () => {
  const opened = await openTestStore("postgres");
  try {
    const { store } = opened;
    const [a] = await makeUsers(store, 1);
    const request: SearchRequest = { userId: a!, terms: [word(tag())], limit: 50 };
    const statement = searchQuery(request, newSnippetMarks());
    const plan = await store.db.transaction().execute(async (tx) => {
      // An empty table is read whole otherwise: the question is whether the index fits.
      await sql`set local enable_seqscan = off`.execute(tx);
      const { rows } = await sql<{ "QUERY PLAN": string }>`explain ${statement}`.execute(tx);
      return rows.map((row) => row["QUERY PLAN"]).join("\n");
    });
    assert.match(plan, /messages_plain_body_search/);
    const { rows } = await sql<{ definition: string }>`
      select pg_get_indexdef(indexrelid) as definition from pg_index
      where indexrelid = 'messages_plain_body_search'::regclass`.execute(store.db);
    assert.match(
      rows[0]?.definition ?? "",
      /WHERE \(\(deleted_at IS NULL\) AND \(mls_kind IS NULL\)\)/,
    );
  } finally {
    await opened.cleanup();
  }
});
