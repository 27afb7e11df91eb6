/**
 * Bots, on both engines: who may make them, what they are (a user with is_bot and an
 * owner, no password), how they take part (added to a group like anyone, sending and
 * hearing with their token), who manages them and their tokens (the owner only), and how
 * they stop: with their owner's account, and when deleted.
 */
import assert from "node:assert/strict";
import { before, it } from "node:test";
import { apiSuite } from "../helpers/api-suite.js";
import { addMembers, createGroup } from "../helpers/chat.js";
import { forEachEngine } from "../helpers/engines.js";
import type { TestUser } from "../helpers/factories.js";
import { connect } from "../helpers/socket.js";

const V1 = "/api/v1";

interface MadeBot {
  bot: { id: string; username: string; display_name: string; is_bot: boolean };
  owner_id: string;
  token: string;
  access_token: { id: string; scopes: string[] };
}

forEachEngine("bots", (run) => {
  const { started, as, users } = apiSuite(run);
  let admin: TestUser;
  let alice: TestUser;
  let bob: TestUser;
  before(async () => {
    [admin] = (await users(1)) as [TestUser];
    [alice, bob] = (await users(2)) as [TestUser, TestUser];
  });
  let counter = 0;
  const makeBot = async (owner: TestUser, body: Record<string, unknown> = {}) => {
    counter += 1;
    const username = `bot${counter}_${Date.now().toString(36)}`;
    const res = await started().api.post(
      `${V1}/bots`,
      { username, display_name: `Robot ${counter}`, ...body },
      as(owner),
    );
    assert.equal(res.status, 201, res.text);
    return res.body as MadeBot;
  };
  /** The bot as a TestUser: its token stands in for a sign-in. */
  const asUser = (made: MadeBot): TestUser => ({
    id: made.bot.id,
    username: made.bot.username,
    password: "",
    token: made.token,
  });

  it("are made by administrators, and by everyone only when the server allows it", async () => {
    const { api, server } = started();
    const refused = await api.post(`${V1}/bots`, { username: "notallowed" }, as(alice));
    assert.equal(refused.status, 403, refused.text);
    assert.equal(refused.body.error.code, "forbidden");
    const made = await makeBot(admin);
    assert.equal(made.bot.is_bot, true);
    assert.equal(made.owner_id, admin.id);
    assert.match(made.token, /^pct_/);
    assert.ok(!made.access_token.scopes.includes("admin"));
    server.ctx.config.integrations.users_can_create_bots = true;
    try {
      const mine = await makeBot(alice);
      assert.equal(mine.owner_id, alice.id);
    } finally {
      server.ctx.config.integrations.users_can_create_bots = false;
    }
  });

  it("have no password, and refuse bad names and the admin scope with a clear error", async () => {
    const { api } = started();
    const made = await makeBot(admin);
    for (const password of ["", "anything at all", made.token]) {
      const login = await api.post(`${V1}/auth/login`, { username: made.bot.username, password });
      assert.equal(login.status, 401, login.text);
      assert.equal(login.body.error.code, "invalid_credentials");
    }
    const me = await api.get(`${V1}/me`, { token: made.token });
    assert.equal(me.body.user.is_bot, true);
    for (const [body, status] of [
      [{ username: made.bot.username }, 409],
      [{ username: "no spaces allowed" }, 400],
      [{ username: "x" }, 400],
      [{ username: "fine_name", scopes: ["admin"] }, 403],
      [{ username: "fine_name", scopes: [] }, 400],
      [{ username: "fine_name", extra: 1 }, 400],
    ] as const) {
      const res = await api.post(`${V1}/bots`, body, as(admin));
      assert.equal(res.status, status, `${JSON.stringify(body)}: ${res.text}`);
      assert.ok(res.body.error.code);
    }
  });

  it("join a group like anyone, send with their token, and hear on their socket", async () => {
    const { api, server } = started();
    const made = await makeBot(admin);
    const bot = asUser(made);
    const group = await createGroup(server.url, alice, [bob], "with a bot");
    await addMembers(server.url, alice, group.id, [bot]);
    const socket = await connect(server.url, made.token, { via: "protocol" });
    await api.post(
      `${V1}/conversations/${group.id}/messages`,
      { body: "!ping", client_id: "p1" },
      as(alice),
    );
    await socket.next((f) => f.type === "message.new" && f.message.body === "!ping");
    socket.send({
      type: "message.send",
      id: "s1",
      conversation_id: group.id,
      client_id: "b1",
      body: "pong",
    });
    await socket.next((f) => f.type === "ack" || f.type === "message.new");
    await socket.close();
    const page = await api.get(`${V1}/conversations/${group.id}/messages`, as(bob));
    const pong = page.body.messages.find((m: { body: string }) => m.body === "pong");
    assert.equal(pong?.sender_id, made.bot.id);
    const seen = await api.get(`${V1}/users/${made.bot.id}`, as(bob));
    assert.equal(seen.body.user.is_bot, true);
    const members = (await api.get(`${V1}/conversations/${group.id}`, as(bob))).body.members;
    const member = members.find((m: { user: { id: string } }) => m.user.id === made.bot.id);
    assert.equal(member.user.is_bot, true);
  });

  it("are managed by their owner only: list, tokens, rotation, deletion", async () => {
    const { api } = started();
    const made = await makeBot(admin);
    const listed = await api.get(`${V1}/bots`, as(admin));
    assert.ok(listed.body.bots.some((b: { bot: { id: string } }) => b.bot.id === made.bot.id));
    assert.deepEqual((await api.get(`${V1}/bots`, as(bob))).body.bots, []);
    for (const [method, path] of [
      ["GET", `${V1}/bots/${made.bot.id}/tokens`],
      ["DELETE", `${V1}/bots/${made.bot.id}`],
      ["DELETE", `${V1}/bots/${made.bot.id}/tokens/${made.access_token.id}`],
    ] as const) {
      const res = method === "GET" ? await api.get(path, as(bob)) : await api.delete(path, as(bob));
      assert.equal(res.status, 404, `${method} ${path}: ${res.text}`);
    }
    // A person's own id is not a bot of theirs.
    assert.equal((await api.get(`${V1}/bots/${admin.id}/tokens`, as(admin))).status, 404);
    // Rotation: a second token, then the first revoked.
    const second = await api.post(
      `${V1}/bots/${made.bot.id}/tokens`,
      { name: "rotated", scopes: ["messages:read"] },
      as(admin),
    );
    assert.equal(second.status, 201, second.text);
    const revoked = await api.delete(
      `${V1}/bots/${made.bot.id}/tokens/${made.access_token.id}`,
      as(admin),
    );
    assert.equal(revoked.status, 204, revoked.text);
    assert.equal((await api.get(`${V1}/me`, { token: made.token })).status, 401);
    assert.equal((await api.get(`${V1}/me`, { token: second.body.token })).status, 200);
    const tokens = await api.get(`${V1}/bots/${made.bot.id}/tokens`, as(admin));
    assert.deepEqual(
      tokens.body.tokens.map((t: { name: string }) => t.name),
      ["rotated"],
    );
    // Deleted: its token stops, and it is gone from the list.
    assert.equal((await api.delete(`${V1}/bots/${made.bot.id}`, as(admin))).status, 204);
    const after = await api.get(`${V1}/me`, { token: second.body.token });
    assert.ok(after.status === 401 || after.status === 403, after.text);
    const left = await api.get(`${V1}/bots`, as(admin));
    assert.ok(!left.body.bots.some((b: { bot: { id: string } }) => b.bot.id === made.bot.id));
  });

  it("stop with their owner's account, and their sockets close", async () => {
    const { api, server } = started();
    const owner = (await users(1))[0] as TestUser;
    await api.patch(`${V1}/admin/users/${owner.id}`, { is_admin: true }, as(admin));
    const made = await makeBot(owner);
    const socket = await connect(server.url, made.token);
    const disabled = await api.patch(
      `${V1}/admin/users/${owner.id}`,
      { disabled: true },
      as(admin),
    );
    assert.equal(disabled.status, 200, disabled.text);
    const closed = await socket.closed;
    assert.equal(closed.code, 4401);
    const refused = await api.get(`${V1}/me`, { token: made.token });
    assert.equal(refused.status, 403, refused.text);
    assert.equal(refused.body.error.code, "account_disabled");
    await api.patch(`${V1}/admin/users/${owner.id}`, { disabled: false }, as(admin));
    assert.equal((await api.get(`${V1}/me`, { token: made.token })).status, 200);
  });

  it("are written to the audit log with their owner as the actor", async () => {
    const { api } = started();
    const log = await api.get(`${V1}/admin/audit?action=bot.`, as(admin));
    assert.equal(log.status, 200, log.text);
    const actors = log.body.entries
      .filter((e: { action: string }) => e.action === "bot.create")
      .map((e: { actor_label: string }) => e.actor_label);
    assert.ok(actors.includes(admin.username), log.text);
  });
});
