import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { it } from "node:test";
import { forEachEngine } from "../helpers/engines.js";
import { uniqueUsername } from "../helpers/factories.js";
import { client } from "../helpers/http.js";

forEachEngine("registration modes", ({ start }) => {
  it("closed: nobody registers", async () => {
    const server = await start({ auth: { registration: "closed" } });
    try {
      const res = await client(server.url).post("/api/v1/auth/register", {
        username: uniqueUsername(),
        password: "password ok",
      });
      assert.equal(res.status, 403);
      assert.equal(res.body.error.code, "registration_closed");
    } finally {
      await server.stop();
    }
  });

  it("invite: a code is required and works exactly once", async () => {
    const server = await start({ auth: { registration: "invite" } });
    try {
      const api = client(server.url);
      const code = "test-invite-code-1";
      await server.ctx.store.invites.create({
        id: randomUUID(),
        code,
        createdBy: null,
        now: Date.now(),
        expiresAt: null,
      });
      const expired = "expired-invite-code";
      await server.ctx.store.invites.create({
        id: randomUUID(),
        code: expired,
        createdBy: null,
        now: Date.now(),
        expiresAt: Date.now() - 1,
      });

      const none = await api.post("/api/v1/auth/register", {
        username: uniqueUsername(),
        password: "password ok",
      });
      assert.equal(none.status, 403);
      assert.equal(none.body.error.code, "invite_required");
      const wrong = await api.post("/api/v1/auth/register", {
        username: uniqueUsername(),
        password: "password ok",
        invite_code: "nope",
      });
      assert.equal(wrong.body.error.code, "invalid_invite");
      const old = await api.post("/api/v1/auth/register", {
        username: uniqueUsername(),
        password: "password ok",
        invite_code: expired,
      });
      assert.equal(old.body.error.code, "invalid_invite");

      const name = uniqueUsername();
      const ok = await api.post("/api/v1/auth/register", {
        username: name,
        password: "password ok",
        invite_code: code,
      });
      assert.equal(ok.status, 201);
      const again = await api.post("/api/v1/auth/register", {
        username: uniqueUsername(),
        password: "password ok",
        invite_code: code,
      });
      assert.equal(again.status, 403);
      assert.equal(again.body.error.code, "invalid_invite");
      // A refused invite leaves no half-made account behind.
      const users = await server.ctx.store.users.list({ limit: 100 });
      assert.deepEqual(
        users.map((u) => u.username),
        [name],
      );
    } finally {
      await server.stop();
    }
  });
});
