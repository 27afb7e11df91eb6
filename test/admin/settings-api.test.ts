/**
 * Run-time settings on both engines: an administrator changes the registration mode, the
 * retention defaults and the largest upload over `PATCH /api/v1/admin/settings`; the
 * change holds at once on this node (registration, uploads, GET /server, a group's
 * retention bounds), is kept in the database for every other node, is audited, and
 * `null` goes back to the configuration file's value. Bad input is a 400.
 */
import assert from "node:assert/strict";
import { after, before, it } from "node:test";
import type { RuntimeSettings as Values } from "@private-chat/protocol/admin";
import { RuntimeSettings, settingsFromConfig } from "../../src/admin/runtime-settings.js";
import { upload } from "../attachments/support.js";
import { createGroup } from "../helpers/chat.js";
import { forEachEngine } from "../helpers/engines.js";
import { createUser, type TestUser, uniqueUsername } from "../helpers/factories.js";
import { client } from "../helpers/http.js";
import type { TestServer } from "../helpers/server.js";

forEachEngine("admin API: run-time settings", ({ start }) => {
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

  const change = async (body: unknown) => {
    const res = await api.patch<{ settings: Values; defaults: Values }>(
      "/api/v1/admin/settings",
      body,
      { token: admin.token },
    );
    assert.equal(res.status, 200, res.text);
    return res.body;
  };
  const serverInfo = async () => (await api.get("/api/v1/server")).body;

  it("changes registration, retention and the upload limit at once, and back", async () => {
    const first = await api.get<{ settings: Values; defaults: Values }>("/api/v1/admin/settings", {
      token: admin.token,
    });
    assert.equal(first.status, 200, first.text);
    assert.deepEqual(first.body.settings, first.body.defaults);
    assert.equal(first.body.defaults.registration, "open");

    const closed = await change({ registration: "closed", retention_max_days: 30 });
    assert.equal(closed.settings.registration, "closed");
    assert.equal(closed.defaults.registration, "open");
    const refused = await api.post("/api/v1/auth/register", {
      username: uniqueUsername(),
      password: "a good long password",
    });
    assert.equal(refused.status, 403, refused.text);
    assert.equal(refused.body.error.code, "registration_closed");
    const info = await serverInfo();
    assert.equal(info.registration, "closed");
    assert.equal(info.retention.max_days, 30);

    // A group may no longer keep messages longer than the new maximum.
    const group = await createGroup(server.url, member, [], "bounded");
    const tooLong = await api.patch(
      `/api/v1/conversations/${group.id}`,
      { retention_days: 60 },
      { token: member.token },
    );
    assert.equal(tooLong.status, 400, tooLong.text);

    await change({ max_file_bytes: 10 });
    const big = await upload(server.url, member, group.id, Buffer.from("more than ten bytes"));
    assert.equal(big.status, 413, big.text);

    // Another node reads the same settings from the database.
    const elsewhere = new RuntimeSettings(server.ctx.store, settingsFromConfig(server.ctx.config));
    const seen = await elsewhere.refresh();
    assert.equal(seen.registration, "closed");
    assert.equal(seen.max_file_bytes, 10);
    assert.equal(elsewhere.retention.max_days, 30);

    const back = await change({
      registration: null,
      retention_max_days: null,
      max_file_bytes: null,
    });
    assert.deepEqual(back.settings, back.defaults);
    assert.equal((await serverInfo()).registration, "open");
    assert.equal((await upload(server.url, member, group.id, Buffer.from("fine now"))).status, 201);

    const audit = await server.ctx.store.db
      .selectFrom("audit_log")
      .selectAll()
      .where("action", "=", "settings.update")
      .orderBy("id")
      .execute();
    assert.equal(audit.length, 3);
    assert.deepEqual(JSON.parse(audit[0]?.details ?? "{}").changes.registration, {
      from: "open",
      to: "closed",
    });
    assert.equal(audit[0]?.actor_id, admin.id);
  });

  it("refuses bad settings with 400 and non-admins with 403", async () => {
    for (const body of [
      {},
      { registration: "maybe" },
      { retention_max_days: -1 },
      { max_file_bytes: 0 },
      { unknown: 1 },
    ]) {
      const res = await api.patch("/api/v1/admin/settings", body, { token: admin.token });
      assert.equal(res.status, 400, `${JSON.stringify(body)}: ${res.text}`);
      assert.ok(res.body.error.code);
    }
    const member403 = await api.patch(
      "/api/v1/admin/settings",
      { registration: "closed" },
      { token: member.token },
    );
    assert.equal(member403.status, 403);
    assert.equal((await serverInfo()).registration, "open");
  });
});
