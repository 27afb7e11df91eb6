/**
 * `chat-server restore` against real servers and files: a backup restored into a stopped
 * server's directory serves every acknowledged message after the restart; a running
 * server, a wrong passphrase, a damaged file and a newer schema are refused with the
 * target left exactly as it was; a crashed server's WAL goes aside with its database.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import {
  copyFileSync,
  existsSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import SqliteDatabase from "better-sqlite3-multiple-ciphers";
import { Kysely, SqliteDialect } from "kysely";
import { encryptBackup } from "../../src/ops/backup/backup-crypto.js";
import { migrateThrough } from "../../src/storage/migrate.js";
import { MIGRATION_NAMES } from "../../src/storage/migrations/index.js";
import { createDirect, sendMessage } from "../helpers/chat.js";
import { finished, runCli } from "../helpers/cli.js";
import { createUser, type TestUser } from "../helpers/factories.js";
import { client } from "../helpers/http.js";
import { startTestServer, type TestServer, testSecret } from "../helpers/server.js";
import { tempDirs } from "../helpers/temp-dirs.js";

const REPO = fileURLToPath(new URL("../..", import.meta.url));
const tempDir = tempDirs("chat-restore-");

function modeOf(path: string): number {
  return statSync(path).mode & 0o777;
}

/**
 * Everything in a directory, with a hash of each file: to prove nothing was touched.
 * Subdirectories (the uploads directory the server creates at start) are listed by name.
 */
function snapshotDir(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .map((name) => {
      if (statSync(join(dir, name)).isDirectory()) return `${name}/`;
      const hash = createHash("sha256")
        .update(readFileSync(join(dir, name)))
        .digest("hex");
      return `${name} ${hash}`;
    });
}

function messageIds(path: string): Set<string> {
  const db = new SqliteDatabase(path, { fileMustExist: true });
  try {
    return new Set(db.prepare("select id from messages").pluck().all() as string[]);
  } finally {
    db.close();
  }
}

function writePassphrase(dir: string, name: string): string {
  const file = join(dir, name);
  writeFileSync(file, `${randomBytes(32).toString("base64")}\n`, { mode: 0o600 });
  return file;
}

interface Scene {
  dir: string;
  db: string;
  server: TestServer;
  alice: TestUser;
  conversation: string;
  acked: string[];
  overrides: { auth: { jwt_secret: string }; rate_limit: { enabled: boolean } };
  env: NodeJS.ProcessEnv;
}

/** A server in its own directory (kept after stop) with `count` acknowledged messages. */
async function scene(count: number): Promise<Scene> {
  const dir = tempDir();
  const overrides = { auth: { jwt_secret: testSecret() }, rate_limit: { enabled: false } };
  const server = await startTestServer(overrides, { dir });
  const alice = await createUser(server.url);
  const bob = await createUser(server.url);
  const conversation = (await createDirect(server.url, alice, bob)).id;
  const acked: string[] = [];
  for (let i = 0; i < count; i++) {
    acked.push((await sendMessage(server.url, alice, conversation, `message ${i}`)).id);
  }
  const db = join(dir, "chat.db");
  return {
    dir,
    db,
    server,
    alice,
    conversation,
    acked,
    overrides,
    env: { CHAT_DATABASE_PATH: db },
  };
}

async function backup(s: Scene, out: string, extra: string[] = []): Promise<void> {
  const result = await runCli(["backup", "--out", out, ...extra], { env: s.env });
  assert.equal(result.code, 0, result.stderr);
}

describe("chat-server restore", () => {
  it("restores into a stopped server's path; after a restart every acked message is there", async () => {
    const s = await scene(15);
    const out = join(tempDir(), "backup.db");
    await backup(s, out);
    const later = await sendMessage(s.server.url, s.alice, s.conversation, "after the backup");
    await s.server.stop();

    const result = await runCli(["restore", out], { env: s.env });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^restored .*chat\.db \(schema \d+_\w+\)$/m);
    const aside = /kept at (\S+);/.exec(result.stdout)?.[1];
    assert.ok(aside, result.stdout);
    assert.match(aside, /chat\.db\.before-restore-\d{8}T\d{6}Z$/);
    assert.equal(modeOf(s.db), 0o600);
    assert.equal(modeOf(aside), 0o600);
    assert.ok(messageIds(aside).has(later.id), "the previous database is kept whole");
    for (const name of readdirSync(s.dir)) assert.doesNotMatch(name, /\.restore-|-wal$|-shm$/);

    const server = await startTestServer(s.overrides, { dir: s.dir });
    try {
      const api = client(server.url);
      for (const id of s.acked) {
        const res = await api.get(`/api/v1/messages/${id}`, { token: s.alice.token });
        assert.equal(res.status, 200, res.text);
      }
      const gone = await api.get(`/api/v1/messages/${later.id}`, { token: s.alice.token });
      assert.equal(gone.status, 404, "a message sent after the backup is not in it");
    } finally {
      await server.stop();
    }
  });

  it("refuses while a server is using the database, and changes nothing", async () => {
    const s = await scene(3);
    try {
      const out = join(tempDir(), "backup.db");
      await backup(s, out);
      const later = await sendMessage(s.server.url, s.alice, s.conversation, "still here");
      const result = await runCli(["restore", out], { env: s.env });
      assert.equal(result.code, 1);
      assert.match(
        result.stderr,
        new RegExp(
          `^chat-server restore: a chat-server is using .*chat\\.db \\(pid ${process.pid} on .*\\): stop it first`,
        ),
      );
      assert.equal(result.stderr.trim().split("\n").length, 1);
      for (const name of readdirSync(s.dir)) assert.doesNotMatch(name, /before-restore|\.restore-/);
      const res = await client(s.server.url).get(`/api/v1/messages/${later.id}`, {
        token: s.alice.token,
      });
      assert.equal(res.status, 200);
    } finally {
      await s.server.stop();
    }
  });

  it("keeps a crashed server's WAL with the old database, never mixed into the restored one", async () => {
    const s = await scene(5);
    const out = join(tempDir(), "backup.db");
    await backup(s, out);
    await s.server.stop();
    // A writer killed before it could checkpoint leaves its last commit only in the WAL.
    const crash = spawn(
      process.execPath,
      [
        "-e",
        `const D = require("better-sqlite3-multiple-ciphers");
         const db = new D(process.argv[1]);
         db.pragma("wal_autocheckpoint = 0");
         db.exec("create table crash_marker (note text); insert into crash_marker values ('only in the wal')");
         process.kill(process.pid, "SIGKILL");`,
        s.db,
      ],
      { cwd: REPO, stdio: ["ignore", "pipe", "pipe"] },
    );
    const crashed = await finished(crash);
    assert.equal(crashed.signal, "SIGKILL", crashed.stderr);
    assert.ok(statSync(`${s.db}-wal`).size > 0);

    const result = await runCli(["restore", out], { env: s.env });
    assert.equal(result.code, 0, result.stderr);
    assert.ok(!existsSync(`${s.db}-wal`), "no stale WAL beside the restored database");
    const restored = new SqliteDatabase(s.db, { fileMustExist: true });
    const tables = restored
      .prepare("select name from sqlite_master where name = 'crash_marker'")
      .all();
    assert.equal(String(restored.pragma("integrity_check", { simple: true })), "ok");
    assert.equal(restored.prepare("select count(*) from messages").pluck().get(), 5);
    restored.close();
    assert.deepEqual(tables, []);
    const aside = /kept at (\S+);/.exec(result.stdout)?.[1] ?? "";
    const old = new SqliteDatabase(aside, { fileMustExist: true });
    assert.equal(old.prepare("select note from crash_marker").pluck().get(), "only in the wal");
    old.close();
  });

  it("backups of the previous format (.db.enc): a wrong passphrase or a damaged file touches nothing; the right one restores", async () => {
    const s = await scene(8);
    const keys = tempDir();
    const passphrase = writePassphrase(keys, "passphrase");
    const wrong = writePassphrase(keys, "wrong");
    const sealed = join(keys, "backup.enc");
    // Made as chat-server made them before backups moved to age, with its cost parameters.
    const plain = join(keys, "backup.db");
    await backup(s, plain);
    const secret = readFileSync(passphrase, "utf8").trim();
    writeFileSync(sealed, Buffer.concat(await encryptBackup(readFileSync(plain), secret)), {
      mode: 0o600,
    });
    rmSync(plain);
    const later = await sendMessage(s.server.url, s.alice, s.conversation, "not in the backup");
    await s.server.stop();

    assert.equal(modeOf(sealed), 0o600);
    const bytes = readFileSync(sealed);
    assert.equal(bytes.subarray(0, 8).toString("latin1"), "CHATBKP\0");
    assert.equal(bytes.indexOf("SQLite format 3"), -1);
    assert.equal(bytes.indexOf("message 0"), -1);
    const damaged = join(keys, "damaged.enc");
    const flipped = Buffer.from(bytes);
    const middle = Math.floor(flipped.length / 2);
    flipped.writeUInt8(flipped.readUInt8(middle) ^ 0x01, middle);
    writeFileSync(damaged, flipped);

    const before = snapshotDir(s.dir);
    for (const [file, key] of [
      [sealed, wrong],
      [damaged, passphrase],
    ] as const) {
      const refused = await runCli(["restore", file, "--passphrase-file", key], { env: s.env });
      assert.equal(refused.code, 1);
      assert.equal(
        refused.stderr,
        "chat-server restore: cannot decrypt: wrong passphrase or damaged file\n",
      );
      assert.deepEqual(snapshotDir(s.dir), before);
    }
    const withoutKey = await runCli(["restore", sealed], { env: s.env });
    assert.equal(withoutKey.code, 1);
    assert.match(withoutKey.stderr, /is encrypted: give its passphrase with --passphrase-file/);
    assert.deepEqual(snapshotDir(s.dir), before);

    const result = await runCli(["restore", sealed, "--passphrase-file", passphrase], {
      env: s.env,
    });
    assert.equal(result.code, 0, result.stderr);
    const ids = messageIds(s.db);
    for (const id of s.acked) assert.ok(ids.has(id), `message ${id} missing`);
    assert.ok(!ids.has(later.id));
    assert.equal(modeOf(s.db), 0o600);
  });

  it("refuses a backup from a newer schema, and changes nothing", async () => {
    const s = await scene(2);
    const out = join(tempDir(), "backup.db");
    await backup(s, out);
    await s.server.stop();
    const newer = join(tempDir(), "newer.db");
    copyFileSync(out, newer);
    const db = new SqliteDatabase(newer);
    db.prepare("insert into schema_migrations (name, timestamp) values (?, ?)").run(
      "999_from_the_future",
      new Date().toISOString(),
    );
    db.close();

    const before = snapshotDir(s.dir);
    const result = await runCli(["restore", newer], { env: s.env });
    assert.equal(result.code, 1);
    assert.match(
      result.stderr,
      /^chat-server restore: .*newer\.db was written by a newer chat-server \(schema migrations 999_from_the_future are unknown here/,
    );
    assert.deepEqual(snapshotDir(s.dir), before);
  });

  it("accepts a backup from an older schema; the next start migrates it", async () => {
    const dir = tempDir();
    const older = join(dir, "older.db");
    const previous = MIGRATION_NAMES.slice(0, -1);
    const latest = MIGRATION_NAMES.at(-1) ?? "";
    const oldDb = new Kysely<Record<string, never>>({
      dialect: new SqliteDialect({ database: new SqliteDatabase(older) }),
    });
    await migrateThrough(oldDb, "sqlite", previous.at(-1));
    await oldDb.destroy();

    const target = join(dir, "data", "chat.db");
    const result = await runCli(["restore", older], { env: { CHAT_DATABASE_PATH: target } });
    assert.equal(result.code, 0, result.stderr);
    assert.match(
      result.stdout,
      new RegExp(`migrations ${latest} apply when the server next starts`),
    );
    assert.doesNotMatch(result.stdout, /kept at/, "there was no database to keep aside");
    const server = await startTestServer({}, { dir: join(dir, "data") });
    try {
      const user = await createUser(server.url);
      assert.ok(user.token);
    } finally {
      await server.stop();
    }
  });
});
