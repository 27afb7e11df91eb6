/**
 * A member who leaves (or is removed) and is later added again reads exactly the periods
 * they belonged: history, single messages, replies, sync and search all agree.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { it } from "node:test";
import type { MessageView } from "@private-chat/protocol/chat";
import { addMembers, createGroup, sendMessage } from "../helpers/chat.js";
import { forEachEngine } from "../helpers/engines.js";
import { createUser, type TestUser } from "../helpers/factories.js";
import { client } from "../helpers/http.js";

const V1 = "/api/v1";

forEachEngine("membership periods", ({ start }) => {
  for (const how of ["leaves", "is removed"] as const) {
    it(`a member who ${how} and is added again sees both periods and nothing between`, async () => {
      const server = await start({ rate_limit: { enabled: false } });
      try {
        const api = client(server.url);
        const [owner, member] = await Promise.all([createUser(server.url), createUser(server.url)]);
        const as = (user: TestUser) => ({ token: user.token });
        const group = await createGroup(server.url, owner as TestUser, []);
        const word = (n: string) => `${n}${randomBytes(4).toString("hex")}`;
        const say = (text: string) => sendMessage(server.url, owner as TestUser, group.id, text);

        const before = await say(`before ${word("zb")}`);
        await addMembers(server.url, owner as TestUser, group.id, [member as TestUser]);
        const first = await say(`first ${word("zf")}`);
        await sendMessage(server.url, member as TestUser, group.id, "mine");
        const removal =
          how === "leaves"
            ? api.delete(`${V1}/conversations/${group.id}/members/${member?.id}`, as(member!))
            : api.delete(`${V1}/conversations/${group.id}/members/${member?.id}`, as(owner!));
        assert.equal((await removal).status, 204);
        const away = await say(`away ${word("za")}`);
        await addMembers(server.url, owner as TestUser, group.id, [member as TestUser]);
        const second = await say(`second ${word("zs")}`);

        const bodies = (list: MessageView[]) => list.map((m) => m.body);
        const history = await api.get(`${V1}/conversations/${group.id}/messages`, as(member!));
        assert.equal(history.status, 200);
        assert.deepEqual(bodies(history.body.messages ?? history.body), [
          first.body,
          "mine",
          second.body,
        ]);
        // Paging backwards across the gap skips it too.
        const older = await api.get(
          `${V1}/conversations/${group.id}/messages?before=${second.seq}&limit=1`,
          as(member!),
        );
        assert.deepEqual(bodies(older.body.messages ?? older.body), ["mine"]);

        for (const hidden of [before, away]) {
          const one = await api.get(`${V1}/messages/${hidden.id}`, as(member!));
          assert.equal(one.status, 404, `message ${hidden.body} must stay hidden`);
          const reply = await api.post(
            `${V1}/conversations/${group.id}/messages`,
            { body: "re", reply_to: hidden.id },
            as(member!),
          );
          assert.equal(reply.status, 400);
        }
        assert.equal((await api.get(`${V1}/messages/${first.id}`, as(member!))).status, 200);
        const reply = await api.post(
          `${V1}/conversations/${group.id}/messages`,
          { body: "re first", reply_to: first.id },
          as(member!),
        );
        assert.equal(reply.status, 201);

        const sync = await api.get(`${V1}/sync?since=0`, as(member!));
        assert.equal(sync.status, 200);
        const synced = (sync.body.events as { type: string; message?: MessageView }[])
          .filter((e) => e.type === "message.new")
          .map((e) => e.message?.body);
        assert.deepEqual(synced, [first.body, "mine", second.body, "re first"]);

        for (const [message, found] of [
          [before, false],
          [first, true],
          [away, false],
          [second, true],
        ] as const) {
          const term = message.body.split(" ")[1] ?? "";
          const res = await api.get(`${V1}/search?q=${term}`, as(member!));
          assert.equal(res.status, 200);
          assert.equal(res.body.results.length, found ? 1 : 0, `search for ${message.body}`);
        }
      } finally {
        await server.stop();
      }
    });
  }
});
