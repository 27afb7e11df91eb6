/**
 * Retention on both engines: a group's owner or admins set how long it keeps messages,
 * within the server's maximum; the sweep erases for real what is older (body, search,
 * sync's copies, files, pins; on SQLite the file and WAL too), leaves gapless tombstones,
 * goes on where it stopped, and follows the server's default where a conversation sets
 * nothing. `chat-server retention run` does the same from a shell. Messages are moved into
 * the past by rewriting their timestamps.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import type { ConversationView, MessageView } from "@private-chat/protocol/chat";
import { sql } from "kysely";
import { DAY_MS } from "../../src/messages/retention-policy.js";
import { uploadOk } from "../attachments/support.js";
import { createDirect, createGroup, sendMessage } from "../helpers/chat.js";
import { runCli } from "../helpers/cli.js";
import { forEachEngine } from "../helpers/engines.js";
import type { TestUser } from "../helpers/factories.js";
import type { client } from "../helpers/http.js";
import type { TestServer } from "../helpers/server.js";
import { erasureChecks, uniqueWord } from "./erasure-fixture.js";
import { messagesApi, V1 } from "./messages-fixture.js";

const MAX_DAYS = 3650;

forEachEngine("retention", (run) => {
  let server: TestServer;
  let api: ReturnType<typeof client>;
  const { started, as, users, history, conversation } = messagesApi(run, {
    retention: { messages_days: MAX_DAYS, max_days: MAX_DAYS },
  });
  before(() => {
    ({ server, api } = started());
  });
  const { db, syncText, searchFinds, ftsRows, fileBytes } = erasureChecks(started);

  const setRetention = (user: TestUser, id: string, days: unknown) =>
    api.patch<ConversationView>(`${V1}/conversations/${id}`, { retention_days: days }, as(user));
  /** Moves messages `days` into the past, as if they had been sent then. */
  const age = async (messages: MessageView[], days: number) => {
    await db()
      .updateTable("messages")
      .set({ created_at: Date.now() - days * DAY_MS })
      .where(
        "id",
        "in",
        messages.map((m) => m.id),
      )
      .execute();
  };
  const sweep = () => server.ctx.retention.sweep();

  describe("the setting", () => {
    it("is the owner's and admins' to set, within the server's maximum", async () => {
      const [owner, member] = (await users(2)) as [TestUser, TestUser];
      const group = await createGroup(server.url, owner, [member], "kept a while");
      assert.equal((await conversation(owner, group.id)).retention_days, null);

      const set = await setRetention(owner, group.id, 30);
      assert.equal(set.status, 200, set.text);
      assert.equal(set.body.retention_days, 30);
      assert.equal((await conversation(member, group.id)).retention_days, 30);

      const refused = await setRetention(member, group.id, 7);
      assert.equal(refused.status, 403, refused.text);
      for (const days of [0, MAX_DAYS + 1, -1, 1.5, "30"]) {
        const res = await setRetention(owner, group.id, days);
        assert.equal(res.status, 400, `${days}: ${res.text}`);
        assert.equal((res.body as { error?: { code: string } }).error?.code, "invalid_request");
      }
      const back = await setRetention(owner, group.id, null);
      assert.equal(back.status, 200, back.text);
      assert.equal(back.body.retention_days, null);

      const info = await api.get<{ retention: unknown }>(`${V1}/server`);
      assert.deepEqual(info.body.retention, { messages_days: MAX_DAYS, max_days: MAX_DAYS });
    });

    it("is not a direct conversation's, which keeps the server's default", async () => {
      const [a, b] = (await users(2)) as [TestUser, TestUser];
      const direct = await createDirect(server.url, a, b);
      assert.equal((await conversation(a, direct.id)).retention_days, undefined);
      const res = await setRetention(a, direct.id, 30);
      assert.ok(res.status >= 400 && res.status < 500, res.text);
    });
  });

  describe("the sweep", () => {
    it("erases what is older for real, leaving tombstones, and nothing newer", async () => {
      const [owner, member] = (await users(2)) as [TestUser, TestUser];
      const group = await createGroup(server.url, owner, [member], "short memory");
      assert.equal((await setRetention(owner, group.id, 30)).status, 200);
      const [oldWord, replyWord, fileWord, keptWord] = ["old", "reply", "file", "kept"].map(
        uniqueWord,
      ) as [string, string, string, string];
      const file = await uploadOk(server.url, owner, group.id, Buffer.from(`notes ${fileWord}`), {
        name: "notes.txt",
        type: "text/plain",
      });
      const old = await sendMessage(server.url, owner, group.id, `the plan ${oldWord}`);
      const withFile = await api.post<MessageView>(
        `${V1}/conversations/${group.id}/messages`,
        { body: "see the file", attachment_ids: [file.id] },
        as(owner),
      );
      assert.equal(withFile.status, 201, withFile.text);
      const reply = await sendMessage(server.url, member, group.id, `agreed ${replyWord}`, {
        thread_id: old.id,
      });
      const pinned = await api.post(`${V1}/messages/${old.id}/pin`, {}, as(owner));
      assert.ok(pinned.status < 300, pinned.text);
      const kept = await sendMessage(server.url, member, group.id, `still here ${keptWord}`);
      await age([old, withFile.body, reply], 31);
      await age([kept], 29);

      const report = await sweep();
      assert.ok(report.messages >= 3, JSON.stringify(report));

      const shown = await history(member, group.id);
      assert.deepEqual(
        shown.map((m) => [m.seq, m.deleted === true]),
        [
          [old.seq, true],
          [withFile.body.seq, true],
          [kept.seq, false],
        ],
        "gapless: the expired stay as tombstones",
      );
      for (const m of shown.slice(0, 2)) assert.equal(m.body, "");
      assert.equal(shown[2]?.body, `still here ${keptWord}`);
      const thread = await api.get<{ messages: MessageView[] }>(
        `${V1}/messages/${old.id}/thread`,
        as(member),
      );
      assert.deepEqual(
        thread.body.messages.map((m) => m.deleted),
        [true],
      );
      const pins = await api.get<{ messages: unknown[] }>(
        `${V1}/conversations/${group.id}/pins`,
        as(member),
      );
      assert.deepEqual(pins.body.messages, []);
      const download = await fetch(`${server.url}${V1}/attachments/${file.id}`, {
        headers: { authorization: `Bearer ${member.token}` },
      });
      assert.equal(download.status, 404);

      const replay = await syncText(member);
      for (const word of [oldWord, replyWord]) {
        assert.ok(!replay.includes(word), `sync shows no "${word}"`);
        assert.equal(await searchFinds(member, word), 0, `search finds no "${word}"`);
        assert.equal(await ftsRows(word), 0, `the full-text index holds no "${word}"`);
      }
      assert.equal(await searchFinds(member, keptWord), 1);
      const bytes = await fileBytes();
      if (bytes) {
        assert.ok(bytes.includes(keptWord), "the check can see a live message's words");
        for (const word of [oldWord, replyWord])
          assert.ok(!bytes.includes(word), `the file holds no "${word}"`);
      }

      if (run.engine === "sqlite") {
        // A new database gives freed pages back to the file system after a sweep.
        const pragma = async (name: string) =>
          Number(Object.values((await sql.raw(`pragma ${name}`).execute(db())).rows[0] ?? {})[0]);
        assert.equal(await pragma("auto_vacuum"), 2, "incremental auto-vacuum");
        assert.equal(await pragma("freelist_count"), 0, "no free pages kept after the sweep");
      }

      // Done once: the next sweep finds nothing more here.
      const again = await sweep();
      const left = await history(member, group.id);
      assert.deepEqual(left, shown);
      assert.ok(again.messages >= 0);
    });

    it("follows the server's default where a conversation sets nothing", async () => {
      const [a, b] = (await users(2)) as [TestUser, TestUser];
      const direct = await createDirect(server.url, a, b);
      const word = uniqueWord("ancient");
      const ancient = await sendMessage(server.url, a, direct.id, `long ago ${word}`);
      const recent = await sendMessage(server.url, b, direct.id, "lately");
      await age([ancient], MAX_DAYS + 1);
      await age([recent], MAX_DAYS - 1);
      await sweep();
      const shown = await history(b, direct.id);
      assert.deepEqual(
        shown.map((m) => m.deleted === true),
        [true, false],
      );
      assert.equal(await searchFinds(b, word), 0);
    });

    it("in a group set to keep messages as long as allowed, keeps them the server's maximum", async () => {
      const [owner] = (await users(1)) as [TestUser];
      const group = await createGroup(server.url, owner, [], "kept long");
      // Under a server maximum, 0 is refused; null is the default, which is the maximum here.
      const old = await sendMessage(server.url, owner, group.id, "older than the maximum");
      const younger = await sendMessage(server.url, owner, group.id, "within it");
      await age([old], MAX_DAYS + 2);
      await age([younger], 400);
      await sweep();
      const shown = await history(owner, group.id);
      assert.deepEqual(
        shown.map((m) => m.deleted === true),
        [true, false],
      );
    });
  });

  it("chat-server retention run sweeps from a shell", {
    skip: run.engine !== "sqlite",
  }, async () => {
    const [owner] = (await users(1)) as [TestUser];
    const group = await createGroup(server.url, owner, [], "swept from a shell");
    assert.equal((await setRetention(owner, group.id, 7)).status, 200);
    const word = uniqueWord("shell");
    const old = await sendMessage(server.url, owner, group.id, `a week ago ${word}`);
    await age([old], 8);
    const result = await runCli(["retention", "run", "--json"], {
      env: {
        CHAT_DATABASE_PATH: join(server.dir, "chat.db"),
        CHAT_RETENTION_MESSAGES_DAYS: String(MAX_DAYS),
        CHAT_RETENTION_MAX_DAYS: String(MAX_DAYS),
      },
    });
    assert.equal(result.code, 0, result.stderr);
    const report = JSON.parse(result.stdout) as { messages: number; conversations: number };
    assert.ok(report.messages >= 1 && report.conversations >= 1, result.stdout);
    const shown = await history(owner, group.id);
    assert.equal(shown[0]?.deleted, true);
    assert.equal(await searchFinds(owner, word), 0);
  });
});
