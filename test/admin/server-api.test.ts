/**
 * GET /api/v1/admin/server on both engines: what the admin console shows of the server,
 * read without scanning large tables. Messages sent today count on today's bar, an
 * uploaded file in the uploads, the node in the nodes, an event for a bot whose receiver
 * is away in the webhook queue.
 */
import assert from "node:assert/strict";
import { after, before, it } from "node:test";
import type { AdminServerResponse } from "@private-chat/protocol/admin";
import { idFloor } from "../../src/admin/server-stats.js";
import { timeOrderedId } from "../../src/storage/time-ordered-id.js";
import { uploadOk } from "../attachments/support.js";
import { subscribedBot } from "../helpers/bot-subscription.js";
import { createGroup, sendMessage } from "../helpers/chat.js";
import { forEachEngine } from "../helpers/engines.js";
import { createUser, type TestUser } from "../helpers/factories.js";
import { client } from "../helpers/http.js";
import type { TestServer } from "../helpers/server.js";

it("a day's first UUIDv7 sorts before every id made in it, and after the day before's", () => {
  // Made by hand: the generator only moves forward, and the suite's server shares it.
  const v7 = (ms: number, rest: string) => {
    const time = ms.toString(16).padStart(12, "0");
    return `${time.slice(0, 8)}-${time.slice(8)}-${rest}`;
  };
  const first = (ms: number) => v7(ms, "7000-8000-000000000000");
  const last = (ms: number) => v7(ms, "7fff-bfff-ffffffffffff");
  const day = Date.UTC(2026, 11, 4);
  const next = day + 86_400_000;
  assert.ok(last(day - 1) < idFloor(day));
  assert.ok(first(day) >= idFloor(day) && last(next - 1) < idFloor(next));
  const today = Math.floor(Date.now() / 86_400_000) * 86_400_000;
  const made = timeOrderedId();
  assert.ok(made >= idFloor(today) && made < idFloor(today + 86_400_000), made);
});

forEachEngine("admin API: the server at a glance", ({ start }) => {
  let server: TestServer;
  let api: ReturnType<typeof client>;
  let admin: TestUser;
  let member: TestUser;

  before(async () => {
    // A receiver on this machine that is away: its events stay queued.
    server = await start({
      rate_limit: { enabled: false },
      integrations: { allow_private_urls: true },
    });
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

    // Days in order, today last (the day may turn during the test: no clock is compared).
    assert.equal(after.messages_per_day.length, 30);
    const days = after.messages_per_day.map((d) => d.day);
    assert.deepEqual(days, [...days].sort());
    const total = (r: AdminServerResponse) =>
      r.messages_per_day.reduce((n, d) => n + d.messages, 0);
    assert.equal(total(after) - total(before), 3, "this suite's server holds only these");
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

    assert.deepEqual(after.webhook_queue, { queued: 0, oldest_at: null });

    const bot = await subscribedBot(server.url, admin, member, "https://127.0.0.1:9/events");
    await sendMessage(server.url, member, bot.groupId, "for a bot whose receiver is away");
    const until = Date.now() + 20_000;
    let queued = await read();
    while ((queued.webhook_queue?.queued ?? 0) === 0 && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 100));
      queued = await read();
    }
    assert.equal(queued.webhook_queue?.queued, 1);
    assert.equal(typeof queued.webhook_queue?.oldest_at, "number");

    const refused = await api.get("/api/v1/admin/server", { token: member.token });
    assert.equal(refused.status, 403);
  });
});

forEachEngine("the admin console's address", ({ start }) => {
  it("/admin leads into the web app's console, for anyone to sign in first", async () => {
    const server = await start();
    try {
      const response = await fetch(`${server.url}/admin`, { redirect: "manual" });
      assert.equal(response.status, 302);
      assert.equal(response.headers.get("location"), "/#/admin");
    } finally {
      await server.stop();
    }
  });
});
