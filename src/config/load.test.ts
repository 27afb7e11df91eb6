import assert from "node:assert/strict";
import { mkdtempSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { uploadsDir } from "../attachments/setup.js";
import { ConfigError, loadConfig } from "./load.js";
import { checkSecrets, resolveJwtSecrets } from "./secrets.js";

const dir = mkdtempSync(join(tmpdir(), "chat-config-"));
const GOOD_SECRET = "0123456789abcdef0123456789abcdef-good";

function write(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
    return err.problems;
  }
  assert.fail("expected a ConfigError");
}

describe("loadConfig", () => {
  it("runs on embedded defaults without a file", () => {
    const config = loadConfig({ env: {} });
    assert.equal(config.server.port, 8080);
    assert.equal(config.database.type, "sqlite");
    assert.equal(config.database.path, "./data/chat.db");
    assert.equal(config.auth.token_expiry_seconds, 3600);
    assert.equal(config.rate_limit.max_requests_per_minute, 1000);
    assert.equal(config.rate_limit.max_auth_attempts, 5);
    assert.equal(config.auth.registration, "open");
    assert.deepEqual(config.server.trust_proxy, []);
  });

  it("reads the deployment guide's config.toml as written", () => {
    const file = write(
      "guide.toml",
      `[server]
port = 8080
host = "0.0.0.0"
log_level = "info"

[database]
type = "sqlite"
path = "/var/lib/chat-server/chat.db"

[auth]
jwt_secret = "CHANGE_THIS_SECRET_KEY_IN_PRODUCTION"
token_expiry_seconds = 3600

[rate_limit]
enabled = true
max_requests_per_minute = 1000
max_auth_attempts = 5
`,
    );
    const config = loadConfig({ file, env: {} });
    assert.equal(config.server.host, "0.0.0.0");
    assert.equal(config.database.path, "/var/lib/chat-server/chat.db");
    // Parsing succeeds; the placeholder is refused by the secret check at start.
    const problems = checkSecrets(config, file);
    assert.equal(problems.length, 1);
    assert.match(
      problems[0]!,
      /guide\.toml: \[auth\] jwt_secret: the placeholder .* openssl rand -base64 32/,
    );
  });

  it("lets environment variables override keys", () => {
    const file = write("env.toml", `[server]\nport = 9000\n`);
    const config = loadConfig({
      file,
      env: {
        CHAT_SERVER_PORT: "9100",
        CHAT_RATE_LIMIT_ENABLED: "false",
        CHAT_SERVER_TRUST_PROXY: "127.0.0.1, 10.0.0.0/8",
        CHAT_AUTH_JWT_SECRET: GOOD_SECRET,
      },
    });
    assert.equal(config.server.port, 9100);
    assert.equal(config.rate_limit.enabled, false);
    assert.deepEqual(config.server.trust_proxy, ["127.0.0.1", "10.0.0.0/8"]);
    assert.equal(config.auth.jwt_secret, GOOD_SECRET);
  });

  it("names the file, key and expectation for an unknown key and a wrong type", () => {
    const file = write(
      "bad.toml",
      `[server]\nport = "eighty"\nprot = 1\n[auth]\nregistration = "maybe"\n`,
    );
    const problems = problemsOf(() => loadConfig({ file, env: {} }));
    assert.equal(problems.length, 3);
    assert.ok(problems.some((p) => p.startsWith(`${file}: [server] port: expected a number`)));
    assert.ok(problems.some((p) => p.startsWith(`${file}: [server] prot: unknown key`)));
    assert.ok(
      problems.some((p) =>
        p.includes(`[auth] registration: expected one of "open", "invite", "closed"`),
      ),
    );
  });

  it("names the variable when an environment override is wrong", () => {
    const problems = problemsOf(() => loadConfig({ env: { CHAT_SERVER_PORT: "many" } }));
    assert.equal(problems.length, 1);
    assert.match(problems[0]!, /^CHAT_SERVER_PORT: \[server\] port: expected a number/);
  });

  it("reports an unknown section, an unreadable file and invalid TOML", () => {
    const unknown = write("section.toml", `[sever]\nport = 1\n`);
    assert.match(
      problemsOf(() => loadConfig({ file: unknown, env: {} }))[0]!,
      /\[sever\]: unknown section/,
    );
    const missing = join(dir, "missing.toml");
    assert.match(
      problemsOf(() => loadConfig({ file: missing, env: {} }))[0]!,
      /missing\.toml: cannot read .*ENOENT/,
    );
    const broken = write("broken.toml", `[server\nport = `);
    assert.match(
      problemsOf(() => loadConfig({ file: broken, env: {} }))[0]!,
      /broken\.toml: not valid TOML/,
    );
  });

  it("on PostgreSQL with local files, wants to know where the attachments are", () => {
    const postgres = { CHAT_DATABASE_TYPE: "postgres", CHAT_DATABASE_URL: "postgres://x@h/db" };
    // The migration guide's section once left out `path`: attachments moved to ./data/uploads.
    const file = write(
      "postgres.toml",
      `[database]\ntype = "postgres"\nurl = "postgres://chat@db/chat"\nschema = "chat"\n`,
    );
    const problems = problemsOf(() => loadConfig({ file, env: {} }));
    assert.deepEqual(problems, [
      `${file}: [uploads] path: expected the directory that holds the attachments when [database] type = "postgres" and [database] path is not set (e.g. path = "/var/lib/chat-server/uploads", where a server on /var/lib/chat-server/chat.db kept them)`,
    ]);
    // Either key says where they are; S3 keeps no files locally worth following.
    for (const extra of [
      { CHAT_UPLOADS_PATH: "/srv/uploads" },
      { CHAT_DATABASE_PATH: "/var/lib/chat-server/chat.db" },
      { CHAT_UPLOADS_STORE: "s3", CHAT_UPLOADS_S3_BUCKET: "chat" },
    ]) {
      assert.doesNotThrow(() => loadConfig({ env: { ...postgres, ...extra } }));
    }
    const kept = loadConfig({
      env: { ...postgres, CHAT_DATABASE_PATH: "/var/lib/chat-server/chat.db" },
    });
    assert.equal(uploadsDir(kept), "/var/lib/chat-server/uploads");
  });

  it("requires a URL for postgres", () => {
    const problems = problemsOf(() => loadConfig({ env: { CHAT_DATABASE_TYPE: "postgres" } }));
    assert.match(problems[0]!, /\[database\] url: expected a postgres:\/\/ URL/);
  });
});

describe("JWT secrets", () => {
  it("refuses secrets under 32 bytes and placeholders, with the command to make one", () => {
    const short = loadConfig({ env: { CHAT_AUTH_JWT_SECRET: "too-short" } });
    assert.match(checkSecrets(short)[0]!, /at least 32 bytes.*openssl rand -base64 32/);
    const previous = loadConfig({
      env: { CHAT_AUTH_JWT_SECRET: GOOD_SECRET, CHAT_AUTH_PREVIOUS_JWT_SECRETS: "short" },
    });
    assert.match(checkSecrets(previous)[0]!, /previous_jwt_secrets\[0\]/);
    const placeholder = loadConfig({
      env: { CHAT_AUTH_JWT_SECRET: "CHANGE_THIS_SECRET_KEY_IN_PRODUCTION_please_ok" },
    });
    assert.match(checkSecrets(placeholder)[0]!, /placeholder/);
  });

  it("requires an explicit secret on PostgreSQL, where nodes must share it", () => {
    const config = loadConfig({
      env: {
        CHAT_DATABASE_TYPE: "postgres",
        CHAT_DATABASE_URL: "postgres://x@h/db",
        CHAT_UPLOADS_PATH: "/var/lib/chat-server/uploads",
      },
    });
    assert.match(checkSecrets(config)[0]!, /required with type = "postgres"/);
  });

  it("generates a secret once, keeps it at mode 0600 and reuses it", () => {
    const dataDir = mkdtempSync(join(tmpdir(), "chat-secret-"));
    const config = loadConfig({ env: { CHAT_DATABASE_PATH: join(dataDir, "db", "chat.db") } });
    const first = resolveJwtSecrets(config);
    assert.ok(first.generatedFile);
    assert.ok(Buffer.byteLength(first.current) >= 32);
    assert.equal(statSync(first.generatedFile).mode & 0o777, 0o600);
    assert.equal(statSync(join(dataDir, "db")).mode & 0o777, 0o700);
    assert.equal(resolveJwtSecrets(config).current, first.current);
  });
});
