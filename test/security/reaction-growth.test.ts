/**
 * One member must not be able to grow the event log, sync pages or a replay without
 * bound: reactions are one emoji each, capped per person and per message, and logged as
 * the change alone; sync pages and socket replays are bounded in bytes, so a backlog of
 * large events never gets a reader cut off as slow.
 */
import assert from "node:assert/strict";
import type { Socket } from "node:net";
import { describe, it } from "node:test";
import { MAX_REACTIONS_PER_MESSAGE, MAX_REACTIONS_PER_PERSON } from "@private-chat/protocol/emoji";
import { apiSuite } from "../helpers/api-suite.js";
import { createDirect, createGroup, sendMessage } from "../helpers/chat.js";
import { forEachEngine } from "../helpers/engines.js";
import type { TestUser } from "../helpers/factories.js";
import { connect, type Frame, sleep } from "../helpers/socket.js";

const V1 = "/api/v1";
const BIG_BODY = 100_000;
const BUFFER_LIMIT = 256 * 1024;

/** `count` different single-character emoji, in a fixed order. */
function distinctEmoji(count: number): string[] {
  const found: string[] = [];
  for (let cp = 0x1f300; found.length < count; cp++) {
    const char = String.fromCodePoint(cp);
    if (/^\p{Extended_Pictographic}$/u.test(char)) found.push(char);
  }
  return found;
}

forEachEngine("reactions and replays stay bounded", { redis: true }, (run) => {
  const { started, as, users } = apiSuite(run, {
    messages: { max_body_chars: BIG_BODY },
    server: { socket_max_buffered_bytes: BUFFER_LIMIT },
  });
  const react = (user: TestUser, messageId: string, emoji: string) =>
    started().api.post(`${V1}/messages/${messageId}/reactions`, { emoji }, as(user));

  describe("reactions", () => {
    it("refuses anything but exactly one emoji", async () => {
      const [a, b] = (await users(2)) as [TestUser, TestUser];
      const direct = await createDirect(started().server.url, a, b);
      const message = await sendMessage(started().server.url, a, direct.id, "hi");
      const refused = [
        "a",
        "ok",
        "1",
        "#",
        "👍👍",
        "👍a",
        "\u200b",
        "\u202e",
        "\ufe0f",
        "🇫",
        "<b>",
        "👍\u0301",
      ];
      for (const emoji of refused) {
        const res = await react(b, message.id, emoji);
        assert.equal(res.status, 400, JSON.stringify(emoji));
        assert.equal(res.body.error.code, "invalid_request");
      }
      for (const emoji of ["👍", " 👍 ", "❤", "❤️", "👍🏽", "👩‍👩‍👧‍👦", "🇫🇷", "1️⃣"]) {
        const res = await react(b, message.id, emoji);
        assert.equal(res.status, 200, JSON.stringify(emoji));
      }
    });

    it("caps the different reactions of one person on one message", async () => {
      const [a, b] = (await users(2)) as [TestUser, TestUser];
      const direct = await createDirect(started().server.url, a, b);
      const message = await sendMessage(started().server.url, a, direct.id, "hi");
      const emoji = distinctEmoji(MAX_REACTIONS_PER_PERSON + 1);
      for (const e of emoji.slice(0, MAX_REACTIONS_PER_PERSON)) {
        assert.equal((await react(b, message.id, e)).status, 200);
      }
      const over = await react(b, message.id, emoji[MAX_REACTIONS_PER_PERSON]!);
      assert.equal(over.status, 409);
      assert.equal(over.body.error.code, "too_many_reactions");
      assert.equal((await react(b, message.id, emoji[0]!)).status, 200, "a repeat is no change");
      const other = await react(a, message.id, emoji[MAX_REACTIONS_PER_PERSON]!);
      assert.equal(other.status, 200, "the cap is per person");
      const removed = await started().api.delete(
        `${V1}/messages/${message.id}/reactions/${encodeURIComponent(emoji[0]!)}`,
        as(b),
      );
      assert.equal(removed.status, 200);
      assert.equal((await react(b, message.id, emoji[MAX_REACTIONS_PER_PERSON]!)).status, 200);
    });

    it("caps the different reactions on one message, from everyone", async () => {
      const people = Math.ceil(MAX_REACTIONS_PER_MESSAGE / MAX_REACTIONS_PER_PERSON) + 1;
      const members = await users(people);
      const [owner, ...others] = members as [TestUser, ...TestUser[]];
      const group = await createGroup(started().server.url, owner, others, "reactions");
      const message = await sendMessage(started().server.url, owner, group.id, "react");
      const emoji = distinctEmoji(MAX_REACTIONS_PER_MESSAGE + 1);
      for (let i = 0; i < MAX_REACTIONS_PER_MESSAGE; i++) {
        const who = members[Math.floor(i / MAX_REACTIONS_PER_PERSON)]!;
        assert.equal((await react(who, message.id, emoji[i]!)).status, 200);
      }
      const last = members[people - 1]!;
      const over = await react(last, message.id, emoji[MAX_REACTIONS_PER_MESSAGE]!);
      assert.equal(over.status, 409);
      assert.equal(over.body.error.code, "too_many_reactions");
      assert.equal((await react(last, message.id, emoji[0]!)).status, 200, "joining one is fine");
    });

    it("logs each reaction as the change alone, whatever the number before it", async () => {
      const [a, b] = (await users(2)) as [TestUser, TestUser];
      const direct = await createDirect(started().server.url, a, b);
      const message = await sendMessage(started().server.url, a, direct.id, "hi");
      const start = await started().api.get<{ cursor: number }>(
        `${V1}/sync?since=0&limit=1`,
        as(b),
      );
      for (const e of distinctEmoji(MAX_REACTIONS_PER_PERSON)) await react(b, message.id, e);
      const page = await started().api.get<{ events: Frame[] }>(
        `${V1}/sync?since=${start.body.cursor}`,
        as(b),
      );
      const reactions = page.body.events.filter((e) => e.type === "reaction");
      assert.equal(reactions.length, MAX_REACTIONS_PER_PERSON);
      for (const event of reactions) {
        assert.deepEqual(Object.keys(event).sort(), [
          "action",
          "conversation_id",
          "cursor",
          "emoji",
          "message_id",
          "type",
          "user_id",
        ]);
      }
    });
  });

  describe("pages of large events", () => {
    it("bounds a REST sync page in bytes, and loses nothing across pages", async () => {
      const [a, b] = (await users(2)) as [TestUser, TestUser];
      const direct = await createDirect(started().server.url, a, b);
      const start = await started().api.get<{ cursor: number }>(
        `${V1}/sync?since=0&limit=1`,
        as(b),
      );
      for (let i = 0; i < 15; i++) {
        await sendMessage(started().server.url, a, direct.id, `${i} ${"x".repeat(BIG_BODY - 10)}`);
      }
      const seqs: number[] = [];
      let cursor = start.body.cursor;
      let pages = 0;
      for (;;) {
        const res = await started().api.get<{ events: Frame[]; cursor: number; has_more: boolean }>(
          `${V1}/sync?since=${cursor}&limit=1000`,
          as(b),
        );
        assert.equal(res.status, 200);
        assert.ok(
          res.text.length <= 1024 * 1024 + 2 * BIG_BODY,
          `page of ${res.text.length} bytes`,
        );
        for (const e of res.body.events) if (e.type === "message.new") seqs.push(e.message.seq);
        pages += 1;
        cursor = res.body.cursor;
        if (!res.body.has_more) break;
      }
      assert.ok(pages >= 2, "15 events of 100 kB take more than one page");
      assert.deepEqual(
        seqs,
        Array.from({ length: 15 }, (_, i) => i + 1),
      );
    });

    it("replays a large backlog to a reader that pauses, without cutting it off", async () => {
      const [a, b] = (await users(2)) as [TestUser, TestUser];
      const direct = await createDirect(started().server.url, a, b);
      const socket = await connect(started().server.url, b.token);
      const ready = socket.all("ready")[0]!;
      const count = 150; // 15 MB: more than loopback's socket buffers can hide
      for (let i = 0; i < count; i++) {
        await sendMessage(started().server.url, a, direct.id, `${i} ${"y".repeat(BIG_BODY - 10)}`);
      }
      await socket.close();

      const reader = await connect(started().server.url, b.token);
      const tcp = (reader.ws as unknown as { _socket: Socket })._socket;
      tcp.pause();
      reader.send({ type: "sync", id: "s0", since: ready.cursor });
      await sleep(700);
      // A live message while the reader is still full: it must not be judged slow for
      // what the replay queued.
      await sendMessage(started().server.url, a, direct.id, "live");
      await sleep(700);
      tcp.resume();
      let cursor = ready.cursor as number;
      for (let round = 1; ; round++) {
        const synced = await reader.next((f) => f.type === "synced", 30_000);
        cursor = synced.cursor;
        if (!synced.has_more) break;
        reader.send({ type: "sync", id: `s${round}`, since: cursor });
      }
      const seqs = reader.all("message.new").map((f) => f.message.seq as number);
      // Every message once, in order: the backlog, then the live one.
      assert.deepEqual(
        seqs,
        Array.from({ length: count + 1 }, (_, i) => i + 1),
      );
      assert.equal(reader.ws.readyState, reader.ws.OPEN, "the reader was not cut off");
      await reader.close();
    });
  });
});
