/**
 * The rules of storing a message (src/storage/message-rules.ts), each shown for plain
 * messages (the engine's appender) and general ones (a reply: the general path) alike,
 * on both engines and on SQLite's writer thread.
 */
import assert from "node:assert/strict";
import { it } from "node:test";
import type { SendMessageBody } from "@private-chat/protocol/chat";
import { AppError } from "../../src/errors.js";
import { type CommittedEvent, DomainEvents } from "../../src/events/bus.js";
import { hydrate } from "../../src/events/hydrate.js";
import { MessageService } from "../../src/messages/service.js";
import { REFERENCE_PAYLOAD } from "../../src/storage/event-reference.js";
import type { Store } from "../../src/storage/store.js";
import type { User } from "../../src/storage/users.js";
import { makeConversation, makeUsers } from "../helpers/chat-rows.js";
import { describeEachEngine, describeOnWriterThread } from "../helpers/databases.js";

interface Fixture {
  store: Store;
  service: MessageService;
  events: CommittedEvent[];
  users: User[];
  conversationId: string;
  /** A message to reply to: a reply is never plain, so it takes the general path. */
  first: string;
}

async function fixture(store: Store, members = 2): Promise<Fixture> {
  const bus = new DomainEvents();
  const events: CommittedEvent[] = [];
  bus.on("chat.events", (batch) => events.push(...batch));
  const service = new MessageService({ store, bus, maxBodyChars: 4000 });
  const ids = await makeUsers(store, members + 1);
  const users = await Promise.all(ids.map(async (id) => (await store.users.byId(id)) as User));
  const conversation = await makeConversation(store, ids.slice(0, members));
  const sent = await service.send(users[0]!, conversation.id, { body: "first" });
  events.length = 0;
  return { store, service, events, users, conversationId: conversation.id, first: sent.message.id };
}

const kinds = ["plain", "general"] as const;

function input(f: Fixture, kind: (typeof kinds)[number], body: string, clientId?: string) {
  const sent: SendMessageBody = { body };
  if (kind === "general") sent.reply_to = f.first;
  if (clientId) sent.client_id = clientId;
  return sent;
}

function rulesSuite(get: () => { store: Store }) {
  it("refuses a sender with no open membership period, plain or general, storing nothing", async () => {
    const f = await fixture(get().store);
    const outsider = f.users[2]!;
    for (const kind of kinds) {
      await assert.rejects(
        f.service.send(outsider, f.conversationId, input(f, kind, "let me in")),
        (err: unknown) => err instanceof AppError && err.code === "not_found",
      );
    }
    const conversation = await f.store.conversations.byId(f.conversationId);
    assert.equal(Number(conversation?.last_seq), 1);
    assert.deepEqual(f.events, []);
  });

  it("answers a repeated client_id with the earlier message, whichever path stored it", async () => {
    const f = await fixture(get().store);
    const [a] = f.users;
    for (const first of kinds) {
      const key = `k-${first}`;
      const original = await f.service.send(a!, f.conversationId, input(f, first, "once", key));
      assert.equal(original.duplicate, false);
      for (const again of kinds) {
        const repeat = await f.service.send(a!, f.conversationId, input(f, again, "twice", key));
        assert.equal(repeat.duplicate, true, `${first} then ${again}`);
        assert.equal(repeat.message.id, original.message.id);
        assert.equal(repeat.message.body, "once");
      }
    }
    assert.equal(f.events.length, 2, "only the two originals were logged");
  });

  it("gives gapless seqs in request order across a mixed batch of plain and general sends", async () => {
    const f = await fixture(get().store);
    const [a, b] = f.users;
    const order = ["plain", "general", "general", "plain", "general", "plain", "plain"] as const;
    // Queued in one turn, so they share group commits (one run per path, in order).
    const sent = await Promise.all(
      order.map((kind, i) =>
        f.service.send(i % 2 ? b! : a!, f.conversationId, input(f, kind, `m${i}`)),
      ),
    );
    assert.deepEqual(
      sent.map((s) => [s.message.body, s.message.seq]),
      order.map((_, i) => [`m${i}`, i + 2]),
    );
    const stored = await f.store.messages.page(f.conversationId, { limit: 20, minSeq: 0 });
    assert.deepEqual(
      stored.map((m) => m.seq),
      [1, 2, 3, 4, 5, 6, 7, 8],
    );
    assert.deepEqual(
      stored.map((m) => m.reply_to !== null),
      [false, ...order.map((kind) => kind === "general")],
    );
  });

  it("moves the sender's read mark to the new message, plain or general", async () => {
    const f = await fixture(get().store);
    const [a, b] = f.users;
    const readOf = async (userId: string) =>
      Number(
        (await f.store.conversations.members(f.conversationId)).find((m) => m.user_id === userId)
          ?.read_seq,
      );
    for (const kind of kinds) {
      const sent = await f.service.send(b!, f.conversationId, input(f, kind, kind));
      assert.equal(await readOf(b!.id), sent.message.seq, kind);
    }
    assert.equal(await readOf(a!.id), 1, "nobody else's mark moves");
  });

  it("logs one message.new event per stored message, in cursor order, with its origin", async () => {
    const f = await fixture(get().store);
    const [a] = f.users;
    const order = ["general", "plain", "plain", "general", "plain"] as const;
    const sent = await Promise.all(
      order.map((kind, i) =>
        f.service.send(a!, f.conversationId, input(f, kind, `e${i}`), {
          node_id: "n1",
          socket_id: "s1",
          request_id: i,
        }),
      ),
    );
    const news = f.events.filter((e) => e.type === "message.new");
    assert.equal(news.length, order.length);
    assert.deepEqual(
      news.map((e) => (e.event.type === "message.new" ? e.event.message.id : "")),
      sent.map((s) => s.message.id),
    );
    const cursors = news.map((e) => e.cursor);
    assert.deepEqual(
      [...cursors].sort((x, y) => x - y),
      cursors,
    );
    assert.deepEqual(
      news.map((e) => e.origin),
      order.map((_, i) => ({ node_id: "n1", socket_id: "s1", request_id: i })),
    );
    // Every path logs a reference to the message, which replay makes whole again.
    const logged = await f.store.events.range(cursors[0]!, cursors.at(-1)!);
    assert.deepEqual(
      logged.map((e) => [e.payload, e.messageId]),
      sent.map((s) => [REFERENCE_PAYLOAD, s.message.id]),
    );
    assert.deepEqual(
      (await hydrate(f.store, logged)).map((e) => [e.id, JSON.parse(e.payload)]),
      news.map((e) => [e.cursor, e.event]),
    );
  });
}

describeEachEngine("message rules, plain and general alike", (get) => rulesSuite(get));

describeOnWriterThread("message rules, plain and general alike", (get) => rulesSuite(get));
