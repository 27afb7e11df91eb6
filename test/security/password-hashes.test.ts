/**
 * What is stored for a password, read straight from the database on both engines: an
 * argon2id hash (PHC string, version 19) with at least OWASP's minimum cost (19 MiB,
 * two passes), for every way an account gets a password: registration, the admin API,
 * the admin CLI, a password change and an administrator's reset.
 */
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { runCli } from "../helpers/cli.js";
import {
  createUser,
  TEST_PASSWORD_PREFIX,
  type TestUser,
  uniqueUsername,
} from "../helpers/factories.js";
import { client } from "../helpers/http.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

const PHC = /^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$[A-Za-z0-9+/]{16,}\$[A-Za-z0-9+/]{32,}$/;
const MIN_MEMORY_KIB = 19_456;
const MIN_PASSES = 2;

/** Why a stored value is not a strong enough argon2id hash, or undefined. */
function hashProblem(stored: string | null | undefined): string | undefined {
  const match = PHC.exec(stored ?? "");
  if (!match) return `not an argon2id v19 PHC string: ${String(stored).slice(0, 40)}`;
  const [m, t, p] = match.slice(1, 4).map(Number) as [number, number, number];
  if (m < MIN_MEMORY_KIB) return `m=${m} is below ${MIN_MEMORY_KIB}`;
  if (t < MIN_PASSES) return `t=${t} is below ${MIN_PASSES}`;
  if (p < 1) return `p=${p} is below 1`;
  return undefined;
}

/** The CLI's environment for the database a test server uses. */
function cliEnv(server: TestServer): NodeJS.ProcessEnv {
  const db = server.config.database;
  if (db.type === "postgres")
    return {
      CHAT_DATABASE_TYPE: "postgres",
      CHAT_DATABASE_URL: db.url,
      CHAT_DATABASE_SCHEMA: db.schema,
      CHAT_UPLOADS_PATH: join(server.dir, "uploads"),
    };
  return { CHAT_DATABASE_PATH: db.path };
}

for (const database of ["sqlite", "postgres"] as const) {
  describe(`security: stored password hashes (${database})`, () => {
    let server: TestServer;
    let admin: TestUser;

    before(async () => {
      server = await startTestServer({ rate_limit: { enabled: false } }, { database });
      admin = await createUser(server.url); // the first account is the administrator
    });

    after(async () => {
      await server?.stop();
    });

    async function storedHash(username: string): Promise<string> {
      const row = await server.ctx.store.db
        .selectFrom("users")
        .select("password_hash")
        .where("username", "=", username)
        .executeTakeFirstOrThrow();
      return row.password_hash;
    }

    it("registration, the admin API and the admin CLI store argon2id", async () => {
      const registered = await createUser(server.url);
      const api = client(server.url);
      const viaApi = uniqueUsername("api");
      const created = await api.post(
        "/api/v1/admin/users",
        { username: viaApi, password: `${TEST_PASSWORD_PREFIX}made by the admin api` },
        { token: admin.token },
      );
      assert.equal(created.status, 201, created.text);
      const generated = uniqueUsername("gen");
      const withGenerated = await api.post(
        "/api/v1/admin/users",
        { username: generated },
        { token: admin.token },
      );
      assert.equal(withGenerated.status, 201, withGenerated.text);
      const viaCli = uniqueUsername("cli");
      const passwordFile = join(server.dir, "password.txt");
      writeFileSync(passwordFile, `${TEST_PASSWORD_PREFIX}made by the cli\n`);
      const cli = await runCli(["user", "create", viaCli, "--password-file", passwordFile], {
        env: cliEnv(server),
      });
      assert.equal(cli.code, 0, cli.stderr);

      for (const username of [admin.username, registered.username, viaApi, generated, viaCli]) {
        const stored = await storedHash(username);
        assert.equal(hashProblem(stored), undefined, username);
        assert.ok(!stored.includes(TEST_PASSWORD_PREFIX), "no plaintext beside the hash");
      }
      const hashes = await Promise.all([registered.username, viaApi].map(storedHash));
      assert.notEqual(hashes[0], hashes[1]);
      const login = await api.post("/api/v1/auth/login", {
        username: viaCli,
        password: `${TEST_PASSWORD_PREFIX}made by the cli`,
      });
      assert.equal(login.status, 200, "the CLI's hash verifies");
    });

    it("the same password twice gets two salts", async () => {
      const password = `${TEST_PASSWORD_PREFIX}shared by two`;
      const one = await createUser(server.url, { password });
      const two = await createUser(server.url, { password });
      const [a, b] = await Promise.all([storedHash(one.username), storedHash(two.username)]);
      assert.equal(hashProblem(a), undefined);
      assert.notEqual(a, b);
    });

    it("a password change and an admin reset store a new argon2id hash", async () => {
      const api = client(server.url);
      const user = await createUser(server.url);
      const before = await storedHash(user.username);
      const changed = await api.post(
        "/api/v1/auth/password",
        { current_password: user.password, new_password: `${TEST_PASSWORD_PREFIX}changed` },
        { token: user.token },
      );
      assert.equal(changed.status, 204, changed.text);
      const afterChange = await storedHash(user.username);
      assert.notEqual(afterChange, before);
      assert.equal(hashProblem(afterChange), undefined);

      const reset = await api.post(
        `/api/v1/admin/users/${user.id}/reset-password`,
        { password: `${TEST_PASSWORD_PREFIX}reset by the admin` },
        { token: admin.token },
      );
      assert.equal(reset.status, 200, reset.text);
      const afterReset = await storedHash(user.username);
      assert.notEqual(afterReset, afterChange);
      assert.equal(hashProblem(afterReset), undefined);
    });
  });
}
