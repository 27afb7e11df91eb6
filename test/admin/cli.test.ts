import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { verifyPassword } from "../../src/auth/passwords.js";
import { loadConfig } from "../../src/config/load.js";
import { openStore, type Store } from "../../src/storage/store.js";
import { type CliResult, runCli } from "../helpers/cli.js";
import { createUser } from "../helpers/factories.js";
import { client } from "../helpers/http.js";
import { startTestServer, testSecret } from "../helpers/server.js";

interface Workspace {
  dir: string;
  env: NodeJS.ProcessEnv;
  cli(...args: string[]): Promise<CliResult>;
  /** Runs a command that must succeed and returns its stdout. */
  ok(...args: string[]): Promise<string>;
  file(name: string, text: string): string;
  /** Opens the same database the CLI writes, to check what it wrote. */
  withStore<T>(work: (store: Store) => Promise<T>): Promise<T>;
  cleanup(): void;
}

function workspace(dir = mkdtempSync(join(tmpdir(), "chat-admin-cli-"))): Workspace {
  const dbPath = join(dir, "chat.db");
  const env = { CHAT_DATABASE_PATH: dbPath, CHAT_AUTH_JWT_SECRET: testSecret() };
  const cli = (...args: string[]) => runCli(args, { env });
  return {
    dir,
    env,
    cli,
    async ok(...args) {
      const result = await cli(...args);
      assert.equal(result.code, 0, `${args.join(" ")}: ${result.stderr}`);
      return result.stdout;
    },
    file(name, text) {
      const path = join(dir, name);
      writeFileSync(path, text);
      return path;
    },
    async withStore(work) {
      const store = openStore(
        loadConfig({ env: {}, overrides: { database: { path: dbPath } } }).database,
      );
      try {
        return await work(store);
      } finally {
        await store.close();
      }
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** A usage or operator error: one line on stderr and a non-zero exit. */
function assertOneLineError(result: CliResult, code: number, pattern: RegExp): void {
  assert.equal(result.code, code, result.stderr);
  assert.equal(result.stderr.trim().split("\n").length, 1, result.stderr);
  assert.match(result.stderr, pattern);
}

describe("chat-server admin commands", { concurrency: true }, () => {
  it("user create, list, promote, demote, disable, enable, reset-password and reset-2fa", async () => {
    const ws = workspace();
    try {
      const pw = ws.file("pw", "alice password\n");
      assert.match(
        await ws.ok("user", "create", "alice", "--admin", "--password-file", pw),
        /^created admin alice \(id [\w-]+\)\n$/,
      );
      const bob = await ws.ok("user", "create", "bob", "--display-name", "Bob B");
      assert.match(bob, /created user bob/);
      const bobPassword = /password: (\S+)/.exec(bob)?.[1] ?? "";
      assert.ok(bobPassword.length >= 12);

      const table = (await ws.ok("user", "list")).split("\n");
      assert.match(table[0] ?? "", /^username\s+id\s+admin\s+disabled\s+created\s+last seen$/);
      assert.match(
        table[1] ?? "",
        /^alice\s+[\w-]{36}\s+yes\s+no\s+\d{4}-\d\d-\d\dT[\d:]{8}Z\s+never$/,
      );
      assert.match(table[2] ?? "", /^bob\s+[\w-]{36}\s+no\s+no\s/);
      const listed = JSON.parse(await ws.ok("user", "list", "--json"));
      assert.deepEqual(
        listed.users.map((u: { username: string }) => u.username),
        ["alice", "bob"],
      );
      const bobView = listed.users[1];
      assert.equal(bobView.display_name, "Bob B");
      assert.equal(bobView.last_seen_at, null);
      assert.deepEqual(
        JSON.parse(await ws.ok("user", "list", "AL", "--json")).users.map(
          (u: { username: string }) => u.username,
        ),
        ["alice"],
      );

      assert.equal(await ws.ok("user", "promote", "bob"), "bob is now an admin\n");
      assert.equal(await ws.ok("user", "promote", "BOB"), "bob already is an admin\n");
      assert.equal(await ws.ok("user", "demote", bobView.id), "bob is no longer an admin\n");

      // Sessions to end: as if bob had signed in twice.
      await ws.withStore(async (store) => {
        for (const id of ["s1", "s2"]) {
          await store.sessions.create({
            id,
            userId: bobView.id,
            createdAt: Date.now(),
            expiresAt: Date.now() + 3_600_000,
            userAgent: "test",
            ip: "127.0.0.1",
          });
        }
      });
      assert.equal(await ws.ok("user", "disable", "bob"), "disabled bob; ended 2 session(s)\n");
      assert.equal(await ws.ok("user", "disable", "bob"), "bob was already disabled\n");
      await ws.withStore(async (store) => {
        assert.equal((await store.users.byId(bobView.id))?.disabled, true);
        assert.deepEqual(await store.sessions.listActive(bobView.id, Date.now()), []);
      });
      assert.match(await ws.ok("user", "list"), /\nbob\s+[\w-]{36}\s+no\s+yes\s/);
      assert.equal(await ws.ok("user", "enable", "bob"), "enabled bob\n");

      await ws.withStore((store) =>
        store.sessions
          .create({
            id: "s3",
            userId: bobView.id,
            createdAt: Date.now(),
            expiresAt: Date.now() + 3_600_000,
            userAgent: "test",
            ip: "127.0.0.1",
          })
          .then(() => undefined),
      );
      const reset = await ws.ok("user", "reset-password", "bob");
      assert.match(reset, /^reset the password of bob; ended 1 session\(s\)\npassword: \S{12,}\n$/);
      const generated = /password: (\S+)/.exec(reset)?.[1];
      const chosen = ws.file("bob-pw", "chosen by the operator\n");
      assert.equal(
        await ws.ok("user", "reset-password", "bob", "--password-file", chosen),
        "reset the password of bob; ended 0 session(s)\n",
      );
      await ws.withStore(async (store) => {
        const hash = (await store.users.byId(bobView.id))?.passwordHash;
        assert.equal(await verifyPassword(hash, "chosen by the operator"), true);
        assert.equal(await verifyPassword(hash, generated ?? ""), false);
        assert.equal(await verifyPassword(hash, bobPassword), false);
      });

      // A lost phone: the operator removes bob's second factors, audited.
      await ws.withStore(async (store) => {
        await store.secondFactors.putPendingTotp(bobView.id, "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", 1);
        await store.secondFactors.takeTotpStep(bobView.id, 1, 1, true);
        await store.secondFactors.refreshFlag(bobView.id);
        assert.equal((await store.users.byId(bobView.id))?.secondFactor, true);
      });
      assert.match(await ws.ok("user", "reset-2fa", "bob"), /^removed the second factors of bob;/);
      await ws.withStore(async (store) => {
        assert.equal((await store.users.byId(bobView.id))?.secondFactor, false);
        assert.equal(await store.secondFactors.totpOf(bobView.id), undefined);
        const [entry] = await store.audit.list({ limit: 1 });
        assert.equal(entry?.action, "user.reset_two_factor");
        assert.equal(entry?.actorLabel, "cli");
      });

      const demoteLast = await ws.cli("user", "demote", "alice");
      assert.equal(demoteLast.code, 0);
      assert.match(demoteLast.stderr, /no enabled administrator is left/);
    } finally {
      ws.cleanup();
    }
  });

  it("user commands refuse bad input with one line and a non-zero exit", async () => {
    const ws = workspace();
    try {
      await ws.ok("user", "create", "carol");
      assertOneLineError(await ws.cli("user", "create", "Carol"), 1, /username_taken/);
      assertOneLineError(await ws.cli("user", "create", "no way"), 1, /invalid_username/);
      assertOneLineError(
        await ws.cli("user", "create", "dave", "--password-file", join(ws.dir, "absent")),
        64,
        /cannot read --password-file .*absent \(ENOENT\)/,
      );
      assertOneLineError(
        await ws.cli("user", "create", "dave", "--password-file", ws.file("short", "short\n")),
        1,
        /invalid_password/,
      );
      assertOneLineError(await ws.cli("user", "disable", "nobody"), 1, /not_found: .*"nobody"/);
      assertOneLineError(await ws.cli("user", "disable"), 64, /usage: chat-server user disable/);
      assertOneLineError(await ws.cli("user", "frobnicate"), 64, /user create\|list\|disable/);
      assertOneLineError(await ws.cli("user", "list", "--admin"), 64, /--admin does not apply/);
      assertOneLineError(await ws.cli("user", "promote", "a", "b"), 64, /usage/);
    } finally {
      ws.cleanup();
    }
  });

  it("invite create, list and revoke; sessions revoke-all; audit", async () => {
    const ws = workspace();
    try {
      const code = (await ws.ok("invite", "create", "--expires-in-hours", "1")).trim();
      assert.match(code, /^[\w-]{16}$/);
      await ws.ok("invite", "create", "--uses", "3");
      const invites = JSON.parse(await ws.ok("invite", "list", "--json")).invites;
      assert.equal(invites.length, 2);
      assert.ok(invites.every((i: { status: string }) => i.status === "active"));
      const [newest, oldest] = invites;
      assert.ok(newest.expires_at - oldest.expires_at > 100 * 3_600_000);
      assert.deepEqual([newest.max_uses, oldest.max_uses], [3, 1]);
      assert.equal(await ws.ok("invite", "revoke", oldest.id), `revoked invite ${oldest.id}\n`);
      assertOneLineError(await ws.cli("invite", "revoke", oldest.id), 1, /not_found/);
      const table = await ws.ok("invite", "list");
      assert.match(table, /^id\s+status\s+uses\s+created\s+by\s+expires\s+last used by\n/);
      assert.match(table, new RegExp(`${oldest.id}\\s+revoked\\s+0/1\\s+\\S+\\s+cli\\s`));
      assert.match(table, new RegExp(`${newest.id}\\s+active\\s+0/3\\s`));
      assertOneLineError(
        await ws.cli("invite", "create", "--expires-in-hours", "0"),
        64,
        /above 0 and at most 8760/,
      );
      assertOneLineError(await ws.cli("invite", "list", "extra"), 64, /usage/);
      for (const uses of ["0", "1.5", "1001", "many"])
        assertOneLineError(await ws.cli("invite", "create", "--uses", uses), 64, /--uses/);

      await ws.ok("user", "create", "erin");
      await ws.withStore(async (store) => {
        const erin = await store.users.byUsername("erin");
        await store.sessions.create({
          id: "e1",
          userId: erin?.id ?? "",
          createdAt: Date.now(),
          expiresAt: Date.now() + 3_600_000,
          userAgent: "test",
          ip: "127.0.0.1",
        });
      });
      assert.equal(
        await ws.ok("sessions", "revoke-all"),
        "ended 1 session(s); everyone must sign in again\n",
      );
      assertOneLineError(await ws.cli("sessions", "revoke"), 64, /sessions revoke-all/);

      const audit = JSON.parse(await ws.ok("audit", "--json")).entries;
      assert.deepEqual(
        audit.map((e: { action: string }) => e.action),
        ["sessions.revoke_all", "user.create", "invite.revoke", "invite.create", "invite.create"],
      );
      for (const entry of audit) {
        assert.equal(entry.actor_id, null);
        assert.equal(entry.actor_label, "cli");
      }
      assert.deepEqual(audit[0].details, { sessions_ended: 1 });
      assert.equal(audit[2].target_id, oldest.id);
      const limited = JSON.parse(await ws.ok("audit", "--json", "--limit", "2")).entries;
      assert.equal(limited.length, 2);
      const text = (await ws.ok("audit", "--limit", "2")).split("\n");
      assert.match(text[0] ?? "", /^at\s+actor\s+action\s+target\s+details$/);
      assert.match(
        text[1] ?? "",
        /Z\s+cli\s+sessions\.revoke_all\s+sessions\s+\{"sessions_ended":1\}$/,
      );
      assert.match(text[2] ?? "", /Z\s+cli\s+user\.create\s+user erin\s+\{"is_admin":false\}$/);
      assertOneLineError(await ws.cli("audit", "--limit", "0"), 64, /--limit/);
      const filtered = async (...flags: string[]) =>
        JSON.parse(await ws.ok("audit", "--json", ...flags)).entries.map(
          (e: { action: string }) => e.action,
        );
      assert.deepEqual(await filtered("--action", "invite."), [
        "invite.revoke",
        "invite.create",
        "invite.create",
      ]);
      assert.deepEqual(await filtered("--action", "user.create", "--actor", "cli"), [
        "user.create",
      ]);
      assert.deepEqual(await filtered("--actor", "erin"), []);
      const today = new Date().toISOString().slice(0, 10);
      assert.equal((await filtered("--since", today)).length, 5);
      assert.deepEqual(await filtered("--until", today), []);
      assert.equal(
        (await filtered("--since", "2000-01-01T00:00", "--until", "2999-01-01")).length,
        5,
      );
      for (const [flag, value] of [
        ["--since", "yesterday"],
        ["--until", "2026-13-45"],
        ["--actor", ""],
      ] as const)
        assertOneLineError(await ws.cli("audit", flag, value), 64, new RegExp(flag));
    } finally {
      ws.cleanup();
    }
  });

  it("a running server refuses what the CLI disabled or revoked at once, and audits both", async () => {
    const dir = mkdtempSync(join(tmpdir(), "chat-admin-live-"));
    const server = await startTestServer({}, { dir });
    const ws = workspace(dir);
    try {
      const api = client(server.url);
      const admin = await createUser(server.url);
      const user = await createUser(server.url);
      await api.patch(`/api/v1/admin/users/${user.id}`, { is_admin: true }, { token: admin.token });

      await ws.ok("user", "disable", user.username);
      const me = await api.get("/api/v1/me", { token: user.token });
      assert.equal(me.status, 401);
      const login = await api.post("/api/v1/auth/login", {
        username: user.username,
        password: user.password,
      });
      assert.equal(login.body.error.code, "account_disabled");
      await ws.ok("user", "enable", user.username);

      const reset = await ws.ok("user", "reset-password", user.username);
      const password = /password: (\S+)/.exec(reset)?.[1] ?? "";
      const again = await api.post("/api/v1/auth/login", { username: user.username, password });
      assert.equal(again.status, 200);

      await ws.ok("sessions", "revoke-all");
      for (const token of [admin.token, again.body.token]) {
        assert.equal((await api.get("/api/v1/me", { token })).status, 401);
      }

      const text = await ws.ok("audit");
      assert.match(
        text,
        new RegExp(`\\s${admin.username}\\s+user\\.promote\\s+user ${user.username}`),
      );
      assert.match(text, new RegExp(`\\scli\\s+user\\.disable\\s+user ${user.username}`));
    } finally {
      await server.stop();
      ws.cleanup();
    }
  });
});
