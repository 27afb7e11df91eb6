/**
 * Personal access tokens, on both engines: shown once and stored hashed, listed without
 * the secret, working as a bearer on REST and on the socket, held to their scopes (a
 * call outside them is 403 insufficient_scope, on a route and on a frame), never past
 * their owner's rights, and revoked at once — the socket they opened closes.
 */
import assert from "node:assert/strict";
import { before, it } from "node:test";
import { apiSuite } from "../helpers/api-suite.js";
import { createGroup } from "../helpers/chat.js";
import { forEachEngine } from "../helpers/engines.js";
import type { TestUser } from "../helpers/factories.js";
import { request } from "../helpers/http.js";
import { connect } from "../helpers/socket.js";

const V1 = "/api/v1";

forEachEngine("personal access tokens", (run) => {
  const { started, as, users } = apiSuite(run);
  let admin: TestUser;
  let alice: TestUser;
  let bob: TestUser;
  let group: string;
  before(async () => {
    [admin] = (await users(1)) as [TestUser];
    [alice, bob] = (await users(2)) as [TestUser, TestUser];
    group = (await createGroup(started().server.url, alice, [bob], "tokens")).id;
  });
  const makeToken = async (user: TestUser, body: Record<string, unknown>) => {
    const res = await started().api.post(`${V1}/tokens`, body, as(user));
    assert.equal(res.status, 201, res.text);
    return res.body as { token: string; access_token: { id: string; scopes: string[] } };
  };
  const bearer = (token: string) => ({ token });

  it("shows a token once, keeps only its hash, and lists it without the secret", async () => {
    const { api, server } = started();
    const made = await makeToken(alice, { name: "ci", scopes: ["messages:read"] });
    assert.match(made.token, /^pct_[A-Za-z0-9]{40}$/);
    assert.deepEqual(made.access_token.scopes, ["messages:read"]);
    const listed = await api.get(`${V1}/tokens`, as(alice));
    assert.equal(listed.status, 200);
    const row = listed.body.tokens.find((t: { id: string }) => t.id === made.access_token.id);
    assert.equal(row.name, "ci");
    assert.equal(row.last_used_at, null);
    assert.equal(row.expires_at, null);
    assert.ok(!listed.text.includes(made.token));
    const stored = await server.ctx.store.db
      .selectFrom("access_tokens")
      .select("token_hash")
      .where("session_id", "=", made.access_token.id)
      .executeTakeFirstOrThrow();
    assert.notEqual(stored.token_hash, made.token);
    assert.ok(!stored.token_hash.includes(made.token.slice(4)));
    // Another user sees none of alice's tokens.
    assert.deepEqual((await api.get(`${V1}/tokens`, as(bob))).body.tokens, []);
  });

  it("works as a bearer within its scopes and answers insufficient_scope outside them", async () => {
    const { api, server } = started();
    const { token } = await makeToken(alice, { name: "reader", scopes: ["messages:read"] });
    assert.equal((await api.get(`${V1}/me`, bearer(token))).status, 200);
    const page = await api.get(`${V1}/conversations/${group}/messages`, bearer(token));
    assert.equal(page.status, 200, page.text);
    for (const [method, path, body] of [
      ["POST", `${V1}/conversations/${group}/messages`, { body: "hi", client_id: "t1" }],
      ["GET", `${V1}/conversations`, undefined],
      ["POST", `${V1}/tokens`, { name: "more", scopes: ["messages:read"] }],
      ["GET", `${V1}/sessions`, undefined],
      ["GET", `${V1}/admin/users`, undefined],
      ["POST", `${V1}/auth/logout`, undefined],
    ] as const) {
      const res = await request(server.url, method, path, { ...bearer(token), body });
      assert.equal(res.status, 403, `${method} ${path}: ${res.text}`);
      assert.equal(res.body.error.code, "insufficient_scope", `${method} ${path}`);
    }
    // The list shows it was used.
    const listed = await api.get(`${V1}/tokens`, as(alice));
    assert.ok(listed.body.tokens.some((t: { name: string }) => t.name === "reader"));
  });

  it("never goes past its owner's rights", async () => {
    const { api } = started();
    const refused = await api.post(`${V1}/tokens`, { name: "x", scopes: ["admin"] }, as(alice));
    assert.equal(refused.status, 403, refused.text);
    const adminToken = (await makeToken(admin, { name: "ops", scopes: ["admin"] })).token;
    assert.equal((await api.get(`${V1}/admin/users`, bearer(adminToken))).status, 200);
    // alice's writer token still cannot read bob's direct conversations or a group she is not in.
    const writer = (await makeToken(bob, { name: "w", scopes: ["messages:write"] })).token;
    const other = await createGroup(started().server.url, admin, [], "not bob's");
    const res = await api.post(
      `${V1}/conversations/${other.id}/messages`,
      { body: "in", client_id: "t2" },
      bearer(writer),
    );
    assert.equal(res.status, 404, res.text);
  });

  it("refuses bad requests with a clear 400", async () => {
    const { api } = started();
    for (const body of [
      {},
      { name: "", scopes: ["messages:read"] },
      { name: "x", scopes: [] },
      { name: "x", scopes: ["everything"] },
      { name: "x", scopes: ["messages:read"], expires_at: 1 },
      { name: "x".repeat(65), scopes: ["messages:read"] },
      { name: "x", scopes: ["messages:read"], extra: true },
    ]) {
      const res = await api.post(`${V1}/tokens`, body, as(alice));
      assert.equal(res.status, 400, `${JSON.stringify(body)}: ${res.text}`);
      assert.ok(res.body.error.code);
    }
    const unknown = await api.get(`${V1}/me`, bearer(`pct_${"A".repeat(40)}`));
    assert.equal(unknown.status, 401);
    assert.equal((await api.delete(`${V1}/tokens/nope`, as(alice))).status, 404);
  });

  it("expires when its expiry passes", async () => {
    const { api } = started();
    const soon = Date.now() + 400;
    const { token } = await makeToken(alice, {
      name: "brief",
      scopes: ["messages:read"],
      expires_at: soon,
    });
    assert.equal((await api.get(`${V1}/me`, bearer(token))).status, 200);
    await new Promise((r) => setTimeout(r, soon - Date.now() + 50));
    assert.equal((await api.get(`${V1}/me`, bearer(token))).status, 401);
  });

  it("opens a socket with messages:read, and a frame outside its scopes is refused", async () => {
    const { api, server } = started();
    const { token } = await makeToken(bob, { name: "watch", scopes: ["messages:read"] });
    const socket = await connect(server.url, token, { via: "protocol" });
    socket.send({
      type: "message.send",
      id: "f1",
      conversation_id: group,
      client_id: "c1",
      body: "x",
    });
    const error = await socket.next((f) => f.type === "error");
    assert.equal(error.code, "insufficient_scope");
    // It still hears what others send.
    await api.post(
      `${V1}/conversations/${group}/messages`,
      { body: "heard", client_id: "t3" },
      as(alice),
    );
    await socket.next((f) => f.type === "message.new" && f.message.body === "heard");
    await socket.close();

    const writer = (await makeToken(bob, { name: "writer", scopes: ["messages:write"] })).token;
    const refused = await connect(server.url, writer, { ready: false });
    const closed = await refused.closed;
    assert.equal(closed.code, 4401);
    assert.match(closed.reason, /^insufficient_scope/);
  });

  it("revokes at once: requests fail and the socket it opened closes", async () => {
    const { api, server } = started();
    const made = await makeToken(bob, { name: "gone", scopes: ["messages:read"] });
    const socket = await connect(server.url, made.token);
    const res = await api.delete(`${V1}/tokens/${made.access_token.id}`, as(bob));
    assert.equal(res.status, 204, res.text);
    const closed = await socket.closed;
    assert.equal(closed.code, 4401);
    assert.equal((await api.get(`${V1}/me`, bearer(made.token))).status, 401);
    const listed = await api.get(`${V1}/tokens`, as(bob));
    assert.ok(!listed.body.tokens.some((t: { id: string }) => t.id === made.access_token.id));
    // Someone else's token is not found, not revoked.
    const mine = await makeToken(alice, { name: "kept", scopes: ["messages:read"] });
    assert.equal((await api.delete(`${V1}/tokens/${mine.access_token.id}`, as(bob))).status, 404);
    assert.equal((await api.get(`${V1}/me`, bearer(mine.token))).status, 200);
  });

  it("writes making and revoking tokens to the audit log", async () => {
    const { api } = started();
    const log = await api.get(`${V1}/admin/audit?action=token.`, as(admin));
    assert.equal(log.status, 200, log.text);
    const actions = new Set(log.body.entries.map((e: { action: string }) => e.action));
    assert.ok(actions.has("token.create") && actions.has("token.revoke"), log.text);
    assert.ok(!log.text.includes("pct_"));
  });
});
