import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import SqliteDatabase from "better-sqlite3-multiple-ciphers";
import { finished, runCli, spawnCli } from "../helpers/cli.js";
import { ENGINES } from "../helpers/databases.js";
import { createUser } from "../helpers/factories.js";
import { client } from "../helpers/http.js";
import { createTestSchema } from "../helpers/postgres.js";
import { testSecret } from "../helpers/server.js";

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), "chat-cli-"));
}

function writeConfig(dir: string, body: string): string {
  const file = join(dir, "config.toml");
  writeFileSync(file, body);
  return file;
}

describe("chat-server command", () => {
  it("prints --help and --version", async () => {
    const help = await runCli(["--help"]);
    assert.equal(help.code, 0);
    for (const command of [
      "--config FILE",
      "config check",
      "db migrate",
      "user create",
      "invite create",
    ]) {
      assert.ok(help.stdout.includes(command), command);
    }
    const version = await runCli(["--version"]);
    assert.match(version.stdout, /^\d+\.\d+\.\d+\n$/);
    const unknown = await runCli(["frobnicate"]);
    assert.equal(unknown.code, 64);
    assert.match(unknown.stderr, /unknown command "frobnicate"/);
  });

  it("exits non-zero with one line per problem for a bad config", async () => {
    const dir = tempDir();
    const file = writeConfig(dir, `[server]\nport = "x"\ncolour = "blue"\n`);
    const result = await runCli(["--config", file]);
    assert.equal(result.code, 78);
    const lines = result.stderr.trim().split("\n");
    assert.equal(lines.length, 2);
    assert.ok(lines.every((line) => line.startsWith(`${file}: [server] `)));
    const unreadable = await runCli(["--config", join(dir, "absent.toml")]);
    assert.equal(unreadable.code, 78);
    assert.match(unreadable.stderr, /absent\.toml: cannot read the configuration file \(ENOENT\)/);
  });

  it("refuses the guide's placeholder secret at start, showing how to make one", async () => {
    const dir = tempDir();
    const file = writeConfig(
      dir,
      `[server]\nport = 0\n[database]\npath = "${join(dir, "chat.db")}"\n[auth]\njwt_secret = "CHANGE_THIS_SECRET_KEY_IN_PRODUCTION"\n`,
    );
    const result = await runCli(["--config", file]);
    assert.equal(result.code, 78);
    assert.match(result.stderr, /jwt_secret: the placeholder secret .* openssl rand -base64 32/);
    const check = await runCli(["config", "check", "--config", file]);
    assert.equal(check.code, 78);
  });

  it("config check accepts a good file", async () => {
    const dir = tempDir();
    const file = writeConfig(
      dir,
      `[auth]\njwt_secret = "${testSecret()}"\nregistration = "invite"\n`,
    );
    const result = await runCli(["config", "check", "--config", file]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^ok: .*registration invite/);
  });

  it("config check refuses a plain ldap:// directory unless allow_plain says so", async () => {
    const dir = tempDir();
    const ldap = `[ldap]\nurl = "ldap://ldap.example.org"\nuser_base = "ou=people,dc=example,dc=org"\n`;
    const auth = `[auth]\njwt_secret = "${testSecret()}"\n`;
    const plain = writeConfig(dir, `${auth}${ldap}`);
    const refused = await runCli(["config", "check", "--config", plain]);
    assert.equal(refused.code, 78);
    assert.match(refused.stderr, /\[ldap\] url: ldap:\/\/ without StartTLS .*allow_plain = true/);
    const allowed = writeConfig(dir, `${auth}${ldap}allow_plain = true\n`);
    const ok = await runCli(["config", "check", "--config", allowed]);
    assert.equal(ok.code, 0, ok.stderr);
  });

  it("user create makes an admin who can sign in; invite create prints a working code", async () => {
    const dir = tempDir();
    const env = { CHAT_DATABASE_PATH: join(dir, "chat.db"), CHAT_AUTH_JWT_SECRET: testSecret() };
    const passwordFile = join(dir, "pw");
    writeFileSync(passwordFile, "admin password 1\n");
    const created = await runCli(
      ["user", "create", "root_admin", "--admin", "--password-file", passwordFile],
      { env },
    );
    assert.equal(created.code, 0, created.stderr);
    assert.match(created.stdout, /created admin root_admin/);
    const generated = await runCli(["user", "create", "plain_user"], { env });
    assert.match(generated.stdout, /created user plain_user/);
    assert.match(generated.stdout, /password: \S{12,}/);
    const duplicate = await runCli(["user", "create", "ROOT_ADMIN"], { env });
    assert.equal(duplicate.code, 1);
    assert.match(duplicate.stderr, /username_taken/);
    const invite = await runCli(["invite", "create"], { env });
    assert.equal(invite.code, 0, invite.stderr);
    const code = invite.stdout.trim();
    assert.match(code, /^[\w-]{16}$/);

    const server = spawnCli(
      ["--config", writeConfig(dir, `[server]\nport = 0\n[auth]\nregistration = "invite"\n`)],
      { env },
    );
    const url = await listeningUrl(server);
    try {
      const api = client(url);
      const login = await api.post("/api/v1/auth/login", {
        username: "root_admin",
        password: "admin password 1",
      });
      assert.equal(login.status, 200);
      assert.equal(login.body.user.is_admin, true);
      const joined = await createUser(url, { invite_code: code });
      assert.ok(joined.token);
    } finally {
      server.kill("SIGTERM");
      await finished(server);
    }
  });

  for (const engine of ENGINES) {
    it(`a busy port fails the start with exit 1, one clear message, and no error logged after it [${engine}]`, async () => {
      const dir = tempDir();
      const schema = engine === "postgres" ? await createTestSchema() : undefined;
      const database = schema
        ? `type = "postgres"\nurl = "${schema.url}"\nschema = "${schema.schema}"\n[uploads]\npath = "${join(dir, "uploads")}"`
        : `path = "${join(dir, "chat.db")}"`;
      const blocker: Server = createServer();
      await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
      const address = blocker.address();
      const port = typeof address === "object" && address ? address.port : 0;
      try {
        const file = writeConfig(
          dir,
          `[server]\nport = ${port}\nhost = "127.0.0.1"\n[database]\n${database}\n[auth]\njwt_secret = "${testSecret()}"\n`,
        );
        const result = await runCli(["--config", file]);
        assert.equal(result.code, 1, result.stderr);
        assert.match(
          result.stderr,
          new RegExp(`EADDRINUSE.*127\\.0\\.0\\.1:${port}.*is another server running\\?`),
        );
        assert.equal(result.stderr.trim().split("\n").length, 1, result.stderr);
        const errors = result.stdout
          .split("\n")
          .filter((line) => line.startsWith("{"))
          .map((line) => JSON.parse(line) as { level: number; msg: string })
          .filter((entry) => entry.level >= 50);
        assert.deepEqual(errors, []);
      } finally {
        blocker.close();
        await schema?.drop();
      }
    });
  }

  it("SIGTERM stops the server with exit 0 and the database intact", async () => {
    const dir = tempDir();
    const dbPath = join(dir, "chat.db");
    const file = writeConfig(
      dir,
      `[server]\nport = 0\nhost = "127.0.0.1"\n[database]\ntype = "sqlite"\npath = "${dbPath}"\n[auth]\njwt_secret = "${testSecret()}"\n`,
    );
    const server = spawnCli(["--config", file]);
    const done = finished(server);
    const url = await listeningUrl(server);
    const users = await Promise.all([createUser(url), createUser(url), createUser(url)]);
    server.kill("SIGTERM");
    const result = await done;
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /"msg":"stopped cleanly"/);
    const db = new SqliteDatabase(dbPath, { readonly: true });
    try {
      assert.equal(
        (db.pragma("integrity_check") as { integrity_check: string }[])[0]?.integrity_check,
        "ok",
      );
      const names = db.prepare("select username from users order by username").all() as {
        username: string;
      }[];
      assert.deepEqual(
        names.map((r) => r.username),
        users.map((u) => u.username).sort(),
      );
    } finally {
      db.close();
    }
  });
});

/**
 * Waits for the "chat-server listening" log line and returns its URL. A server that does
 * not get there is killed, so it cannot keep the test run alive.
 */
function listeningUrl(child: ReturnType<typeof spawnCli>): Promise<string> {
  return new Promise((resolve, reject) => {
    let buffer = "";
    // Generous: starting from source on a loaded CI machine can take half a minute.
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`server did not start: ${buffer}`));
    }, 90_000);
    child.stdout?.on("data", (chunk: Buffer) => {
      buffer += chunk.toString();
      const match = /"url":"(http:\/\/[^"]+)".*"msg":"chat-server listening"/.exec(buffer);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.on("exit", (code) => reject(new Error(`server exited with ${code}: ${buffer}`)));
  });
}
