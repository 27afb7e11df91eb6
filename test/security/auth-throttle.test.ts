/**
 * Every action that checks a secret is throttled, through the real server on both
 * engines (PostgreSQL with Redis, as a cluster node): sign-in at limits over 64 (the
 * in-memory count once stopped at 64), registration on invite-only servers (the invite
 * is checked before the username, and unknown codes and taken usernames lock out), and
 * password changes (wrong current passwords spend the sign-in budget, so a stolen token
 * buys no brute force).
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { forEachEngine } from "../helpers/engines.js";
import { createUser, uniqueUsername } from "../helpers/factories.js";
import { client } from "../helpers/http.js";
import type { TestServer } from "../helpers/server.js";

const BEHIND_PROXY = { server: { trust_proxy: ["127.0.0.1"] } };
const from = (address: string) => ({ headers: { "x-forwarded-for": address } });

async function addInvite(server: TestServer, code: string): Promise<void> {
  await server.ctx.store.invites.create({
    id: randomUUID(),
    code,
    createdBy: null,
    now: Date.now(),
    expiresAt: null,
  });
}

function assertLockedOut(res: { status: number; body: any; headers: Headers }, what: string) {
  assert.equal(res.status, 429, what);
  assert.equal(res.body.error.code, "too_many_auth_attempts", what);
  assert.ok(Number(res.headers.get("retry-after")) > 0, `${what}: Retry-After`);
}

forEachEngine("auth throttles", { redis: true }, ({ start }) => {
  it("sign-in locks at max_auth_attempts = 65, past the old 64 cap", async () => {
    const server = await start({ ...BEHIND_PROXY, rate_limit: { max_auth_attempts: 65 } });
    try {
      const api = client(server.url);
      const user = await createUser(server.url);
      const wrong = { username: user.username, password: "wrong password" };
      // Spread over addresses, so only the username's count can reach the limit.
      for (let i = 0; i < 65; i++) {
        const res = await api.post("/api/v1/auth/login", wrong, from(`203.0.113.${i}`));
        assert.equal(res.status, 401, `failure ${i + 1}`);
      }
      const right = { username: user.username, password: user.password };
      assertLockedOut(
        await api.post("/api/v1/auth/login", right, from("203.0.113.200")),
        "the 66th sign-in, with the right password",
      );
    } finally {
      await server.stop();
    }
  });

  it("registration: invalid invites lock at limits 1, 64, 65 and 200 per address", async () => {
    const server = await start({
      ...BEHIND_PROXY,
      auth: { registration: "invite" },
      rate_limit: { max_auth_attempts: 200 },
    });
    try {
      const api = client(server.url);
      const code = `invite-${randomUUID()}`;
      await addInvite(server, code);
      for (let i = 0; i < 200; i++) {
        const res = await api.post(
          "/api/v1/auth/register",
          { username: uniqueUsername(), password: "password ok", invite_code: `guess-${i}` },
          from("198.51.100.7"),
        );
        assert.equal(res.body.error?.code, "invalid_invite", `guess ${i + 1}`);
      }
      const withTheRightCode = await api.post(
        "/api/v1/auth/register",
        { username: uniqueUsername(), password: "password ok", invite_code: code },
        from("198.51.100.7"),
      );
      assertLockedOut(withTheRightCode, "the address is locked, even with a good code");
      assert.match(withTheRightCode.body.error.message, /failed registrations/);
      const elsewhere = await api.post(
        "/api/v1/auth/register",
        { username: uniqueUsername(), password: "password ok", invite_code: code },
        from("198.51.100.8"),
      );
      assert.equal(elsewhere.status, 201, "another address registers with the good code");
    } finally {
      await server.stop();
    }
    for (const limit of [1, 64, 65]) {
      const small = await start({
        auth: { registration: "invite" },
        rate_limit: { max_auth_attempts: limit },
      });
      try {
        const api = client(small.url);
        const attempt = (i: number) =>
          api.post("/api/v1/auth/register", {
            username: uniqueUsername(),
            password: "password ok",
            invite_code: `guess-${i}`,
          });
        for (let i = 0; i < limit; i++) {
          assert.equal((await attempt(i)).body.error?.code, "invalid_invite", `limit ${limit}`);
        }
        assertLockedOut(await attempt(limit), `limit ${limit}`);
      } finally {
        await small.stop();
      }
    }
  });

  it("registration on an invite-only server checks the invite before the username", async () => {
    // A limit above the attempts made here: this is about the answers, not the lockout.
    const server = await start({
      auth: { registration: "invite" },
      rate_limit: { max_auth_attempts: 20 },
    });
    try {
      const api = client(server.url);
      const code = `invite-${randomUUID()}`;
      await addInvite(server, code);
      const taken = await createUser(server.url, { invite_code: code });
      const answers: { invite_code: string | undefined; status: number; body: unknown }[] = [];
      for (const username of [taken.username, taken.username.toUpperCase(), uniqueUsername()]) {
        for (const invite_code of [undefined, "no-such-code", code]) {
          const res = await api.post("/api/v1/auth/register", {
            username,
            password: "password ok",
            ...(invite_code === undefined ? {} : { invite_code }),
          });
          answers.push({ invite_code, status: res.status, body: res.body });
        }
      }
      // A missing, unknown or used code: one answer per code, whatever the username.
      for (const invite_code of [undefined, "no-such-code", code]) {
        const forCode = answers.filter((a) => a.invite_code === invite_code);
        const shapes = new Set(forCode.map((a) => JSON.stringify([a.status, a.body])));
        assert.equal(shapes.size, 1, `code ${invite_code}: ${JSON.stringify(forCode)}`);
        assert.equal(forCode[0]?.status, 403);
      }
      assert.equal(answers.filter((a) => a.status === 409).length, 0, "no 409 without a code");
      // With a good code, a taken name is told apart (the holder could register anyway).
      const fresh = `invite-${randomUUID()}`;
      await addInvite(server, fresh);
      const clash = await api.post("/api/v1/auth/register", {
        username: taken.username,
        password: "password ok",
        invite_code: fresh,
      });
      assert.equal(clash.status, 409);
      const ok = await api.post("/api/v1/auth/register", {
        username: uniqueUsername(),
        password: "password ok",
        invite_code: fresh,
      });
      assert.equal(ok.status, 201, "the good code was not spent by the clash");
    } finally {
      await server.stop();
    }
  });

  it("registration locks a username tried from many addresses, apart from its sign-in", async () => {
    const server = await start({ ...BEHIND_PROXY, rate_limit: { max_auth_attempts: 3 } });
    try {
      const api = client(server.url);
      const owner = await createUser(server.url);
      // Open registration: a taken username is the failure that spends the budget.
      for (let i = 0; i < 3; i++) {
        const res = await api.post(
          "/api/v1/auth/register",
          { username: owner.username, password: "password ok" },
          from(`192.0.2.${i}`),
        );
        assert.equal(res.status, 409);
      }
      assertLockedOut(
        await api.post(
          "/api/v1/auth/register",
          { username: owner.username.toUpperCase(), password: "password ok" },
          from("192.0.2.100"),
        ),
        "the username is locked for registration",
      );
      const signIn = await api.post(
        "/api/v1/auth/login",
        { username: owner.username, password: owner.password },
        from("192.0.2.0"),
      );
      assert.equal(signIn.status, 200, "registration failures never lock out sign-in");
      const other = await api.post(
        "/api/v1/auth/register",
        { username: uniqueUsername(), password: "password ok" },
        from("192.0.2.0"),
      );
      assert.equal(other.status, 201, "an address with fewer failures still registers");
    } finally {
      await server.stop();
    }
  });

  it("password change: wrong current passwords lock out, per user, and the lock ends", async () => {
    const server = await start({
      ...BEHIND_PROXY,
      rate_limit: { max_auth_attempts: 3, auth_window_seconds: 5 },
    });
    try {
      const api = client(server.url);
      const user = await createUser(server.url);
      const change = (current_password: string, address: string) =>
        api.post(
          "/api/v1/auth/password",
          { current_password, new_password: "brand new password" },
          { token: user.token, ...from(address) },
        );
      // A stolen token used from a new address for every guess.
      for (let i = 0; i < 3; i++) {
        assert.equal((await change(`guess ${i} wrong`, `203.0.113.${i}`)).status, 401);
      }
      const locked = await change(user.password, "203.0.113.50");
      assertLockedOut(locked, "the right password during the lockout");
      assertLockedOut(
        await api.post(
          "/api/v1/auth/login",
          { username: user.username, password: user.password },
          from("203.0.113.51"),
        ),
        "sign-in shares the budget",
      );
      await sleep(Number(locked.headers.get("retry-after")) * 1000 + 250);
      assert.equal(
        (await change(user.password, "203.0.113.52")).status,
        204,
        "the right password works once the window has passed",
      );
      const signIn = await api.post(
        "/api/v1/auth/login",
        { username: user.username, password: "brand new password" },
        from("203.0.113.53"),
      );
      assert.equal(signIn.status, 200);
    } finally {
      await server.stop();
    }
  });

  it("password change: a success clears the username's count", async () => {
    const server = await start({ rate_limit: { max_auth_attempts: 3 } });
    try {
      const api = client(server.url);
      const user = await createUser(server.url);
      const wrong = { current_password: "not it at all", new_password: "brand new password" };
      for (let i = 0; i < 2; i++) {
        assert.equal(
          (await api.post("/api/v1/auth/password", wrong, { token: user.token })).status,
          401,
        );
      }
      const right = { current_password: user.password, new_password: "brand new password" };
      assert.equal(
        (await api.post("/api/v1/auth/password", right, { token: user.token })).status,
        204,
      );
      // The address keeps its two failures; one more still leaves the username usable.
      assert.equal(
        (await api.post("/api/v1/auth/password", wrong, { token: user.token })).status,
        401,
      );
      assertLockedOut(
        await api.post("/api/v1/auth/password", wrong, { token: user.token }),
        "the address reached 3",
      );
    } finally {
      await server.stop();
    }
  });
});
