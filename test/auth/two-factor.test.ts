/**
 * Two-factor sign-in through the API, on both engines: an authenticator app (TOTP) set up
 * and used, each code once; recovery codes, each once; the throttle counting wrong
 * codes; the session list naming the method; the audit log; an administrator's reset;
 * and `[auth] require_2fa` with its grace period (a session past it can only set a
 * factor up, and opens no socket).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import WebSocket from "ws";
import { apiSuite } from "../helpers/api-suite.js";
import { forEachEngine } from "../helpers/engines.js";
import { createUser } from "../helpers/factories.js";
import { client } from "../helpers/http.js";
import { socketUrl } from "../helpers/socket.js";
import { codeFor, enrolTotp } from "./two-factor-fixture.js";

const login = (url: string, body: Record<string, unknown>) =>
  client(url).post("/api/v1/auth/login", body);

/** The close code and reason of a socket the server ends at once. */
function closeOf(url: string): Promise<{ code: number; reason: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.once("close", (code, reason) => resolve({ code, reason: reason.toString() }));
    ws.once("error", reject);
  });
}

forEachEngine("two-factor sign-in", (run) => {
  describe("an authenticator app and recovery codes", () => {
    const { started, as } = apiSuite(run);

    it("asks for a code once set up, takes each code once, and lists the method", async () => {
      const { server, api } = started();
      const user = await enrolTotp(server.url, await createUser(server.url));
      assert.equal(user.recoveryCodes.length, 10);
      assert.equal(new Set(user.recoveryCodes).size, 10);

      const status = await api.get("/api/v1/me/two-factor", as(user));
      assert.equal(status.status, 200);
      assert.equal(status.body.totp, true);
      assert.equal(status.body.recovery_codes_left, 10);

      const bare = await login(server.url, { username: user.username, password: user.password });
      assert.equal(bare.status, 401);
      assert.equal(bare.body.error.code, "second_factor_required");

      const wrongPassword = await login(server.url, {
        username: user.username,
        password: "not the password",
        totp_code: codeFor(user.secret),
      });
      assert.equal(wrongPassword.body.error.code, "invalid_credentials");

      // The confirmation took this step's code: the next step's is the next good one.
      const code = codeFor(user.secret, 1);
      const signedIn = await login(server.url, {
        username: user.username,
        password: user.password,
        totp_code: code,
      });
      assert.equal(signedIn.status, 200, signedIn.text);
      const again = await login(server.url, {
        username: user.username,
        password: user.password,
        totp_code: code,
      });
      assert.equal(again.status, 401, "a code signs in once");
      assert.equal(again.body.error.code, "invalid_second_factor");

      const sessions = await api.get("/api/v1/sessions", { token: signedIn.body.token });
      const current = sessions.body.sessions.find((s: { current: boolean }) => s.current);
      assert.equal(current.method, "password+totp");
    });

    it("takes each recovery code once, whatever its case and dashes", async () => {
      const { server, api } = started();
      const user = await enrolTotp(server.url, await createUser(server.url));
      const [first, second] = user.recoveryCodes as [string, string];
      const typed = first.toUpperCase().replaceAll("-", " ");
      const ok = await login(server.url, {
        username: user.username,
        password: user.password,
        recovery_code: typed,
      });
      assert.equal(ok.status, 200, ok.text);
      const reused = await login(server.url, {
        username: user.username,
        password: user.password,
        recovery_code: first,
      });
      assert.equal(reused.body.error.code, "invalid_second_factor");
      const status = await api.get("/api/v1/me/two-factor", as(user));
      assert.equal(status.body.recovery_codes_left, 9);

      // New codes replace the old ones.
      const renewed = await api.post(
        "/api/v1/me/two-factor/recovery-codes",
        { password: user.password },
        as(user),
      );
      assert.equal(renewed.status, 200);
      const old = await login(server.url, {
        username: user.username,
        password: user.password,
        recovery_code: second,
      });
      assert.equal(old.body.error.code, "invalid_second_factor");
      const fresh = await login(server.url, {
        username: user.username,
        password: user.password,
        recovery_code: renewed.body.recovery_codes[0],
      });
      assert.equal(fresh.status, 200);
      const sessions = await api.get("/api/v1/sessions", { token: fresh.body.token });
      assert.ok(
        sessions.body.sessions.some(
          (s: { current: boolean; method: string }) =>
            s.current && s.method === "password+recovery_code",
        ),
      );
    });

    it("refuses a wrong code at set-up, a second app, and changes without the password", async () => {
      const { server, api } = started();
      const user = await createUser(server.url);
      const noPassword = await api.post(
        "/api/v1/me/two-factor/totp",
        { password: "wrong" },
        as(user),
      );
      assert.equal(noPassword.status, 401);
      assert.equal(noPassword.body.error.code, "invalid_credentials");
      const started1 = await api.post(
        "/api/v1/me/two-factor/totp",
        { password: user.password },
        as(user),
      );
      const wrong = await api.post(
        "/api/v1/me/two-factor/totp/confirm",
        { code: codeFor(started1.body.secret, 5) },
        as(user),
      );
      assert.equal(wrong.status, 422);
      assert.equal(wrong.body.error.code, "invalid_verification");
      const notDigits = await api.post(
        "/api/v1/me/two-factor/totp/confirm",
        { code: "x".repeat(17) },
        as(user),
      );
      assert.equal(notDigits.status, 400);
      // Until confirmed, the account signs in with its password alone.
      const plain = await login(server.url, { username: user.username, password: user.password });
      assert.equal(plain.status, 200);

      const confirmed = await api.post(
        "/api/v1/me/two-factor/totp/confirm",
        { code: codeFor(started1.body.secret) },
        as(user),
      );
      assert.equal(confirmed.status, 200);
      const second = await api.post(
        "/api/v1/me/two-factor/totp",
        { password: user.password },
        as(user),
      );
      assert.equal(second.status, 409);

      const removed = await api.delete("/api/v1/me/two-factor/totp", {
        ...as(user),
        body: { password: user.password },
      });
      assert.equal(removed.status, 204);
      const after = await api.get("/api/v1/me/two-factor", as(user));
      assert.equal(after.body.totp, false);
      assert.equal(after.body.recovery_codes_left, 0, "the codes go with the last factor");
      const back = await login(server.url, { username: user.username, password: user.password });
      assert.equal(back.status, 200);
    });
  });

  it("audits each change and lets an administrator reset a lost factor", async () => {
    const server = await run.start({ rate_limit: { enabled: false } });
    try {
      const api = client(server.url);
      const admin = await createUser(server.url); // the server's first account
      const user = await enrolTotp(server.url, await createUser(server.url));
      const notAdmin = await api.delete(`/api/v1/admin/users/${admin.id}/two-factor`, {
        token: user.token,
      });
      assert.equal(notAdmin.status, 403);
      const reset = await api.delete(`/api/v1/admin/users/${user.id}/two-factor`, {
        token: admin.token,
      });
      assert.equal(reset.status, 204, reset.text);
      const plain = await login(server.url, { username: user.username, password: user.password });
      assert.equal(plain.status, 200, "after the reset the password alone signs in");
      const unknown = await api.delete("/api/v1/admin/users/nobody/two-factor", {
        token: admin.token,
      });
      assert.equal(unknown.status, 404);

      const audit = await api.get("/api/v1/admin/audit", { token: admin.token });
      const actions = audit.body.entries.map((e: { action: string }) => e.action);
      assert.ok(actions.includes("user.two_factor_added"), actions.join());
      const entry = audit.body.entries.find(
        (e: { action: string }) => e.action === "user.reset_two_factor",
      );
      assert.equal(entry.target_id, user.id);
      assert.equal(entry.details.totp, true);
    } finally {
      await server.stop();
    }
  });

  describe("[auth] require_2fa", () => {
    it("leads through set-up in the grace period and allows only that after it", async () => {
      const server = await run.start({
        rate_limit: { enabled: false },
        auth: { require_2fa: "everyone", require_2fa_grace_days: 0 },
      });
      try {
        const api = client(server.url);
        const user = await createUser(server.url);
        const status = await api.get("/api/v1/me/two-factor", { token: user.token });
        assert.equal(status.body.required, true);
        assert.ok(status.body.required_by <= Date.now());
        const blocked = await api.get("/api/v1/conversations", { token: user.token });
        assert.equal(blocked.status, 403);
        assert.equal(blocked.body.error.code, "second_factor_enrolment_required");
        const ticket = await api.post("/api/v1/socket-ticket", undefined, { token: user.token });
        assert.equal(ticket.status, 403);
        const closed = await closeOf(socketUrl(server.url, user.token));
        assert.equal(closed.code, 4401);
        assert.match(closed.reason, /second_factor_enrolment_required/);

        await enrolTotp(server.url, user);
        const open = await api.get("/api/v1/conversations", { token: user.token });
        assert.equal(open.status, 200, "with a factor set up the session does everything");
        const after = await api.get("/api/v1/me/two-factor", { token: user.token });
        assert.equal(after.body.required_by, null);
      } finally {
        await server.stop();
      }
    });

    it("gives the grace period from the first start with the requirement, across restarts", async () => {
      const first = await run.start({
        rate_limit: { enabled: false },
        auth: { require_2fa: "admins", require_2fa_grace_days: 3 },
      });
      const admin = await createUser(first.url);
      const member = await createUser(first.url);
      const before = await client(first.url).get("/api/v1/me/two-factor", { token: admin.token });
      await first.close();
      const again = await run.start(
        {
          rate_limit: { enabled: false },
          auth: {
            jwt_secret: first.config.auth.jwt_secret,
            require_2fa: "admins",
            require_2fa_grace_days: 3,
          },
        },
        { restartOf: first },
      );
      try {
        const api = client(again.url);
        const adminStatus = await api.get("/api/v1/me/two-factor", { token: admin.token });
        assert.equal(adminStatus.body.required, true);
        assert.equal(adminStatus.body.required_by, before.body.required_by);
        const days = (adminStatus.body.required_by - Date.now()) / 86_400_000;
        assert.ok(days > 2.9 && days <= 3, `due in ${days} days`);
        const works = await api.get("/api/v1/conversations", { token: admin.token });
        assert.equal(works.status, 200, "in the grace period everything works");
        const memberStatus = await api.get("/api/v1/me/two-factor", { token: member.token });
        assert.equal(memberStatus.body.required, false);
        assert.equal(memberStatus.body.required_by, null);
      } finally {
        await again.stop();
      }
    });
  });
});
