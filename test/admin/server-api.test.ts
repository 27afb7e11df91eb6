/**
 * GET /api/v1/admin/server on both engines: what the admin console shows of the server,
 * read without scanning large tables. Messages sent today count on today's bar, an
 * uploaded file in the uploads, the node in the nodes.
 */
import assert from "node:assert/strict";
import { after, before, it } from "node:test";
import type { AdminServerResponse } from "@private-chat/protocol/admin";
import { idFloor } from "../../src/admin/server-stats.js";
import { timeOrderedId } from "../../src/storage/time-ordered-id.js";
import { uploadOk } from "../attachments/support.js";
import { createGroup, sendMessage } from "../helpers/chat.js";
import { forEachEngine } from "../helpers/engines.js";
import { createUser, type TestUser } from "../helpers/factories.js";
import { client } from "../helpers/http.js";
import type { TestServer } from "../helpers/server.js";

it("a day's first UUIDv7 sorts before every id made in it, and after the day before's", () => {
  const day = Date.UTC(2026, 11, 4);
  for (const ms of [day, day + 1, day + 86_399_999]) {
    assert.ok(timeOrderedId(ms) >= idFloor(day));
    assert.ok(timeOrderedId(ms) < idFloor(day + 86_400_000));
  }
  assert.ok(timeOrderedId(day - 1) < idFloor(day));
});

forEachEngine("admin API: the server at a glance", ({ start }) => {
  let server: TestServer;
  let api: ReturnType<typeof client>;
  let admin: TestUser;
  let member: TestUser;

  before(async () => {
    server = await start({ rate_limit: { enabled: false } });
    api = client(server.url);
    admin = await createUser(server.url);
    member = await createUser(server.url);
  });
  after(() => server.stop());

  it("counts today's messages, the uploads, the event log and the nodes", async () => {
    const read = async () => {
      const res = await api.get<AdminServerResponse>("/api/v1/admin/server", {
        token: admin.token,
      });
      assert.equal(res.status, 200, res.text);
      assert.equal(res.headers.get("cache-control"), "no-store");
      return res.body;
    };
    const before = await read();
    const group = await createGroup(server.url, admin, [member], "counted");
    for (let i = 0; i < 3; i++) await sendMessage(server.url, member, group.id, `hello ${i}`);
    await uploadOk(server.url, member, group.id, Buffer.from("a file to count"));
    const after = await read();

    assert.equal(after.messages_per_day.length, 30);
    const today = new Date().toISOString().slice(0, 10);
    assert.equal(after.messages_per_day.at(-1)?.day, today);
    assert.equal(
      (after.messages_per_day.at(-1)?.messages ?? 0) -
        (before.messages_per_day.at(-1)?.messages ?? 0),
      3,
    );
    assert.ok(after.messages_per_day.slice(0, -1).every((d) => d.messages === 0));
    assert.equal(after.uploads.files, before.uploads.files + 1);
    assert.equal(after.uploads.bytes, before.uploads.bytes + "a file to count".length);
    assert.ok(after.event_log.newest_cursor > before.event_log.newest_cursor);
    assert.equal(
      after.event_log.events,
      after.event_log.newest_cursor - after.event_log.oldest_cursor + 1,
    );
    assert.ok(after.database_bytes > 0);
    assert.equal(after.database, server.ctx.store.type);
    assert.ok(after.nodes.some((n) => n.id === server.ctx.nodeId) || after.nodes.length === 0);
    assert.equal(after.sockets, 0);

    const refused = await api.get("/api/v1/admin/server", { token: member.token });
    assert.equal(refused.status, 403);
  });
});
