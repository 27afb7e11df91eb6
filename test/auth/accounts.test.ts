import assert from "node:assert/strict";
import { after, before, it } from "node:test";
import { forEachEngine } from "../helpers/engines.js";
import { createUser, uniqueUsername } from "../helpers/factories.js";
import { client } from "../helpers/http.js";
import type { TestServer } from "../helpers/server.js";

forEachEngine("accounts", ({ start }) => {
  let server: TestServer;
  let api: ReturnType<typeof client>;

  before(async () => {
    server = await start();
    api = client(server.url);
  });
  after(() => server.stop());

  it("registers: 201 with user, token and expiry; the first account is an admin", async () => {
    const username = uniqueUsername("First");
    const res = await api.post("/api/v1/auth/register", {
      username,
      password: "password one",
      display_name: "First One",
    });
    assert.equal(res.status, 201);
    assert.equal(res.body.user.username, username);
    assert.equal(res.body.user.display_name, "First One");
    assert.equal(res.body.user.is_admin, true);
    assert.equal(typeof res.body.token, "string");
    assert.ok(res.body.expires_at > Date.now());
    assert.equal(res.body.user.password_hash, undefined);
    const second = await createUser(server.url);
    const me = await api.get("/api/v1/me", { token: second.token });
    assert.equal(me.body.user.is_admin, false);
  });

  it("refuses a username taken in any letter case", async () => {
    const user = await createUser(server.url);
    const res = await api.post("/api/v1/auth/register", {
      username: user.username.toUpperCase(),
      password: "password two",
    });
    assert.equal(res.status, 409);
    assert.equal(res.body.error.code, "username_taken");
  });

  it("checks username and password rules with clear codes", async () => {
    for (const username of ["ab", "a".repeat(33), "bad name", "ünï"]) {
      const res = await api.post("/api/v1/auth/register", { username, password: "password ok" });
      assert.equal(res.status, 400, username);
      assert.equal(res.body.error.code, "invalid_username");
    }
    for (const password of ["short", "x".repeat(1025)]) {
      const res = await api.post("/api/v1/auth/register", { username: uniqueUsername(), password });
      assert.equal(res.status, 400);
      assert.equal(res.body.error.code, "invalid_password");
    }
    const max = await api.post("/api/v1/auth/register", {
      username: uniqueUsername(),
      password: "é".repeat(1024),
    });
    assert.equal(max.status, 201);
  });

  it("rejects unknown fields, wrong types and broken JSON with 400", async () => {
    const unknown = await api.post("/api/v1/auth/register", {
      username: "abc",
      password: "password",
      admin: true,
    });
    assert.equal(unknown.status, 400);
    assert.equal(unknown.body.error.code, "unknown_fields");
    assert.match(unknown.body.error.message, /admin/);
    const wrongType = await api.post("/api/v1/auth/login", {
      username: { $ne: "" },
      password: "x",
    });
    assert.equal(wrongType.status, 400);
    assert.equal(wrongType.body.error.code, "invalid_request");
    const broken = await api.post("/api/v1/auth/login", undefined, { rawBody: "{nope" });
    assert.equal(broken.status, 400);
    assert.equal(broken.body.error.code, "invalid_json");
  });

  it("logs in, and answers unknown users and wrong passwords the same way", async () => {
    const user = await createUser(server.url);
    const ok = await api.post("/api/v1/auth/login", {
      username: user.username.toUpperCase(),
      password: user.password,
    });
    assert.equal(ok.status, 200);
    assert.equal(ok.body.user.id, user.id);
    const wrong = await api.post("/api/v1/auth/login", {
      username: user.username,
      password: "wrong password",
    });
    const unknown = await api.post("/api/v1/auth/login", {
      username: uniqueUsername(),
      password: "wrong password",
    });
    assert.equal(wrong.status, 401);
    assert.deepEqual(wrong.body, unknown.body);
    assert.equal(wrong.body.error.code, "invalid_credentials");
  });

  it("needs a token for /me and refuses garbage tokens", async () => {
    assert.equal((await api.get("/api/v1/me")).status, 401);
    const bad = await api.get("/api/v1/me", { token: "not.a.token" });
    assert.equal(bad.status, 401);
    assert.equal(bad.body.error.code, "unauthorized");
  });

  it("logout ends the token at once", async () => {
    const user = await createUser(server.url);
    assert.equal(
      (await api.post("/api/v1/auth/logout", undefined, { token: user.token })).status,
      204,
    );
    const after = await api.get("/api/v1/me", { token: user.token });
    assert.equal(after.status, 401);
    assert.equal(after.body.error.code, "session_revoked");
  });

  it("lists own sessions and revokes one of them", async () => {
    const user = await createUser(server.url);
    const second = await api.post(
      "/api/v1/auth/login",
      { username: user.username, password: user.password },
      {
        headers: { "user-agent": "second-device" },
      },
    );
    const list = await api.get("/api/v1/sessions", { token: user.token });
    assert.equal(list.status, 200);
    assert.equal(list.body.sessions.length, 2);
    const other = list.body.sessions.find((s: any) => !s.current);
    assert.equal(other.user_agent, "second-device");
    assert.equal(other.ip, "127.0.0.1");
    const stranger = await createUser(server.url);
    assert.equal(
      (await api.delete(`/api/v1/sessions/${other.id}`, { token: stranger.token })).status,
      404,
    );
    assert.equal(
      (await api.delete(`/api/v1/sessions/${other.id}`, { token: user.token })).status,
      204,
    );
    assert.equal((await api.get("/api/v1/me", { token: second.body.token })).status, 401);
    assert.equal((await api.get("/api/v1/me", { token: user.token })).status, 200);
  });

  it("changing the password ends the other sessions and keeps this one", async () => {
    const user = await createUser(server.url);
    const other = await api.post("/api/v1/auth/login", {
      username: user.username,
      password: user.password,
    });
    const wrong = await api.post(
      "/api/v1/auth/password",
      { current_password: "nope nope", new_password: "new password" },
      { token: user.token },
    );
    assert.equal(wrong.status, 401);
    const changed = await api.post(
      "/api/v1/auth/password",
      { current_password: user.password, new_password: "brand new password" },
      { token: user.token },
    );
    assert.equal(changed.status, 204);
    assert.equal((await api.get("/api/v1/me", { token: user.token })).status, 200);
    assert.equal((await api.get("/api/v1/me", { token: other.body.token })).status, 401);
    const oldLogin = await api.post("/api/v1/auth/login", {
      username: user.username,
      password: user.password,
    });
    assert.equal(oldLogin.status, 401);
    const newLogin = await api.post("/api/v1/auth/login", {
      username: user.username,
      password: "brand new password",
    });
    assert.equal(newLogin.status, 200);
  });

  it("answers 413 for a body over the limit and 404 in the error shape for unknown routes", async () => {
    const big = await api.post("/api/v1/auth/login", {
      username: "x",
      password: "y".repeat(2 * 1024 * 1024),
    });
    assert.equal(big.status, 413);
    assert.equal(big.body.error.code, "payload_too_large");
    const missing = await api.get("/api/v1/nothing-here");
    assert.equal(missing.status, 404);
    assert.equal(missing.body.error.code, "not_found");
  });

  it("sets security headers on every response", async () => {
    const res = await api.get("/api/v1/me");
    assert.equal(res.headers.get("x-content-type-options"), "nosniff");
    assert.equal(res.headers.get("x-frame-options"), "DENY");
    assert.equal(res.headers.get("referrer-policy"), "no-referrer");
  });

  it("never writes tokens or passwords to the log", async () => {
    const user = await createUser(server.url, { password: "a very secret password" });
    await api.get("/api/v1/me", { token: user.token });
    const { readFileSync } = await import("node:fs");
    const log = readFileSync(server.logFile, "utf8");
    assert.ok(log.includes('"route":"/api/v1/me"'), "request lines are logged");
    assert.ok(!log.includes(user.token));
    assert.ok(!/eyJ[\w-]+\.eyJ/.test(log));
    assert.ok(!log.includes("a very secret password"));
  });
});
