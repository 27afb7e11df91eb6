/**
 * Encryption at rest for the SQLite database: a server on an encrypted file serves and
 * writes through its writer and checkpoint threads with no clear text in the file or
 * its WAL; a wrong, missing, unprotected or needless key is refused at start with a
 * clear line; `db encrypt`, `db rekey` and `db decrypt` convert a stopped server's file,
 * refuse a running one and leave the file unchanged when they cannot finish; the
 * `sqlcipher` tool opens the file with the same key; migrate-to-postgres reads it.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { createGroup, sendMessage } from "../helpers/chat.js";
import { runCli } from "../helpers/cli.js";
import { createUser } from "../helpers/factories.js";
import { client } from "../helpers/http.js";
import { createTestSchema } from "../helpers/postgres.js";
import { startTestServer, type TestServer, testSecret } from "../helpers/server.js";
import { tempDirs } from "../helpers/temp-dirs.js";

const V1 = "/api/v1";

const tempDir = tempDirs("chat-encrypted-");

function keyFile(dir: string, name = "db-key"): string {
  const file = join(dir, name);
  writeFileSync(file, `${randomBytes(32).toString("base64")}\n`, { mode: 0o600 });
  return file;
}

/** The database file and its WAL, as bytes: where clear text must not be. */
function fileBytes(path: string): Buffer {
  const parts = [readFileSync(path)];
  if (existsSync(`${path}-wal`)) parts.push(readFileSync(`${path}-wal`));
  return Buffer.concat(parts);
}

/** Starts a server on `dir`, signs up two people and stores `word` in a group. */
async function serverWithMessage(
  dir: string,
  database: Record<string, unknown>,
  word: string,
): Promise<TestServer> {
  const server = await startTestServer({ database }, { dir });
  const [alice, bob] = [await createUser(server.url), await createUser(server.url)];
  const group = await createGroup(server.url, alice, [bob], "vault");
  for (let i = 0; i < 20; i++) await sendMessage(server.url, alice, group.id, `${word} ${i}`);
  return server;
}

let configs = 0;

/** A configuration file of its own (the test keeps several side by side). */
function configFile(dir: string, database: Record<string, string | number>): string {
  const file = join(dir, `config-${++configs}.toml`);
  const lines = Object.entries(database).map(([k, v]) =>
    typeof v === "number" ? `${k} = ${v}` : `${k} = ${JSON.stringify(v)}`,
  );
  writeFileSync(
    file,
    `[database]\n${lines.join("\n")}\n\n[auth]\njwt_secret = ${JSON.stringify(testSecret())}\n`,
  );
  return file;
}

/** What the sqlcipher tool prints for `sql` on the file with the key (SQLCipher 3 format). */
function sqlcipher(path: string, key: string, sql: string): string {
  const quoted = key.replaceAll("'", "''");
  return execFileSync("sqlcipher", [path], {
    input: `PRAGMA key = '${quoted}';\nPRAGMA cipher_page_size = 4096;\n${sql}\n`,
    encoding: "utf8",
  });
}

describe("SQLite encryption at rest", () => {
  it("serves from an encrypted file, with no clear text in it or its WAL", async () => {
    const dir = tempDir();
    const key = keyFile(dir);
    const word = `secretword${randomBytes(4).toString("hex")}`;
    const server = await serverWithMessage(dir, { encryption_key_file: key }, word);
    const path = join(dir, "chat.db");
    const bytes = fileBytes(path);
    assert.ok(!bytes.includes(word), "no message text in the file or WAL");
    assert.ok(!bytes.includes("SQLite format 3"), "not even SQLite's clear header");
    const person = await createUser(server.url);
    await server.close();

    // The same key opens it again, with everything there.
    const again = await startTestServer({ database: { encryption_key_file: key } }, { dir });
    const api = client(again.url);
    const login = await api.post(`${V1}/auth/login`, {
      username: person.username,
      password: person.password,
    });
    assert.equal(login.status, 200, "the account written before the restart is there");
    const rows = again.ctx.store.db.selectFrom("messages").select("body");
    assert.equal((await rows.where("body", "like", `${word}%`).execute()).length, 20);
    await again.close();

    // The key may come as a value (CHAT_DATABASE_ENCRYPTION_KEY) instead of a file.
    const secret = readFileSync(key, "utf8").trim();
    const byValue = await startTestServer({ database: { encryption_key: secret } }, { dir });
    await byValue.close();
    await assert.rejects(
      startTestServer({ database: { encryption_key: secret, encryption_key_file: key } }, { dir }),
      /keep one/,
    );

    // migrate-to-postgres reads it with the key, and says what is missing without one.
    const target = await createTestSchema();
    try {
      const to = ["--to", target.url, "--schema", target.schema];
      const keyless = await runCli(["migrate-to-postgres", "--from", path, ...to]);
      assert.equal(keyless.code, 1);
      assert.match(keyless.stderr, /if it is encrypted, give its key with --key-file/);
      const moved = await runCli(["migrate-to-postgres", "--from", path, "--key-file", key, ...to]);
      assert.equal(moved.code, 0, moved.stderr);
      assert.match(moved.stdout, /verified: every copied table/);
    } finally {
      await target.drop();
    }

    // Without the key, with another one, or with one others may read: refused at start.
    await assert.rejects(
      startTestServer({}, { dir }),
      /is encrypted and \[database\] encryption_key_file is not set/,
    );
    await assert.rejects(
      startTestServer({ database: { encryption_key_file: keyFile(dir, "other") } }, { dir }),
      /does not open with the configured key/,
    );
    chmodSync(key, 0o644);
    await assert.rejects(
      startTestServer({ database: { encryption_key_file: key } }, { dir }),
      /may be read by others.*chmod 600/,
    );
    writeFileSync(join(dir, "short"), "too short", { mode: 0o600 });
    await assert.rejects(
      startTestServer({ database: { encryption_key_file: join(dir, "short") } }, { dir }),
      /at least 32/,
    );
  });

  it("encrypts, rekeys and decrypts a stopped server's file, readable by sqlcipher", async () => {
    const dir = tempDir();
    const path = join(dir, "chat.db");
    const word = `plainword${randomBytes(4).toString("hex")}`;
    const server = await serverWithMessage(dir, {}, word);
    const clearConfig = configFile(dir, { path });

    // Refused while the server runs: its writes would be lost.
    const key = keyFile(dir);
    const keyed = { path, encryption_key_file: key, encryption_compatibility: 3 };
    const running = await runCli(["db", "encrypt", "--config", configFile(dir, keyed)]);
    assert.equal(running.code, 1, running.stderr);
    assert.match(running.stderr, /a server is using .*stop it first/);
    await server.close();
    assert.ok(fileBytes(path).includes(word), "unchanged by the refusal");

    const encrypted = await runCli(["db", "encrypt", "--config", configFile(dir, keyed)]);
    assert.equal(encrypted.code, 0, encrypted.stderr);
    assert.match(encrypted.stdout, /encrypted: \d+ tables, \d+ rows checked/);
    assert.ok(!fileBytes(path).includes(word), "the text is no longer in clear");
    assert.ok(!existsSync(`${path}.converting`), "no copy left behind");
    const secret = readFileSync(key, "utf8").trim();
    const counted = sqlcipher(
      path,
      secret,
      `SELECT count(*) FROM messages WHERE body LIKE '${word}%';`,
    );
    assert.equal(counted.trim().split("\n").at(-1), "20", "the sqlcipher tool reads it");
    const twice = await runCli(["db", "encrypt", "--config", configFile(dir, keyed)]);
    assert.equal(twice.code, 1);
    assert.match(twice.stderr, /encrypted already/);

    // A new key: the old one no longer opens it.
    const newKey = keyFile(dir, "new-key");
    const config = configFile(dir, keyed);
    const rekeyed = await runCli(["db", "rekey", "--new-key-file", newKey, "--config", config]);
    assert.equal(rekeyed.code, 0, rekeyed.stderr);
    assert.match(rekeyed.stdout, /point \[database\] encryption_key_file at/);
    const newSecret = readFileSync(newKey, "utf8").trim();
    assert.throws(() => sqlcipher(path, secret, "SELECT count(*) FROM messages;"));
    assert.match(sqlcipher(path, newSecret, "SELECT count(*) FROM users;"), /\d+/);

    // A rekey to an unusable key is refused before anything changes.
    writeFileSync(join(dir, "weak"), "short", { mode: 0o600 });
    const before = readFileSync(path);
    const newConfig = configFile(dir, { ...keyed, encryption_key_file: newKey });
    const weak = await runCli([
      "db",
      "rekey",
      "--new-key-file",
      join(dir, "weak"),
      "--config",
      newConfig,
    ]);
    assert.notEqual(weak.code, 0);
    assert.match(weak.stderr, /at least 32/);
    assert.ok(readFileSync(path).equals(before), "the file is untouched");

    const decrypted = await runCli(["db", "decrypt", "--config", newConfig]);
    assert.equal(decrypted.code, 0, decrypted.stderr);
    assert.ok(fileBytes(path).includes("SQLite format 3"));
    const plain = await runCli(["db", "status", "--config", clearConfig]);
    assert.equal(plain.code, 0, plain.stderr);
    const notEncrypted = await runCli(["db", "decrypt", "--config", newConfig]);
    assert.equal(notEncrypted.code, 1);
    assert.match(notEncrypted.stderr, /is not encrypted/);

    // The server comes back on the clear file with every message.
    const back = await startTestServer({}, { dir });
    const rows = back.ctx.store.db.selectFrom("messages").select("body");
    assert.equal((await rows.where("body", "like", `${word}%`).execute()).length, 20);
    await back.close();
  });

  it("backs up an encrypted database and restores it encrypted, with the same key", async () => {
    const dir = tempDir();
    const key = keyFile(dir);
    const word = `backedword${randomBytes(4).toString("hex")}`;
    const server = await serverWithMessage(dir, { encryption_key_file: key }, word);
    const env = {
      CHAT_DATABASE_PATH: join(dir, "chat.db"),
      CHAT_DATABASE_ENCRYPTION_KEY_FILE: key,
    };
    const keys = tempDir();
    const identity = join(keys, "identity.txt");
    const made = await runCli(["backup", "keygen", "--out", identity]);
    assert.equal(made.code, 0, made.stderr);
    const recipient = join(keys, "recipient.txt");
    writeFileSync(recipient, made.stdout);
    const out = join(tempDir(), "chat.backup");
    // Taken while the server runs, as a nightly backup is.
    const took = await runCli(
      ["backup", "--out", out, "--encrypt", "--recipient-file", recipient],
      {
        env,
      },
    );
    assert.equal(took.code, 0, took.stderr);
    // The database-only copy (for gpg) is a clear SQLite image of the encrypted database.
    const plainCopy = join(tempDir(), "chat.db");
    const copied = await runCli(["backup", "--out", plainCopy], { env });
    assert.equal(copied.code, 0, copied.stderr);
    assert.ok(readFileSync(plainCopy).subarray(0, 15).toString() === "SQLite format 3");
    await server.close();
    const verified = await runCli(["backup", "verify", out, "--identity-file", identity]);
    assert.equal(verified.code, 0, verified.stderr);

    const restoreDir = tempDir();
    const restoreKey = keyFile(restoreDir);
    const restored = await runCli(["restore", out, "--identity-file", identity], {
      env: {
        CHAT_DATABASE_PATH: join(restoreDir, "chat.db"),
        CHAT_DATABASE_ENCRYPTION_KEY_FILE: restoreKey,
      },
    });
    assert.equal(restored.code, 0, restored.stderr);
    const bytes = fileBytes(join(restoreDir, "chat.db"));
    assert.ok(!bytes.includes(word) && !bytes.includes("SQLite format 3"), "restored encrypted");
    const back = await startTestServer(
      { database: { encryption_key_file: restoreKey } },
      {
        dir: restoreDir,
      },
    );
    const rows = back.ctx.store.db.selectFrom("messages").select("body");
    assert.equal((await rows.where("body", "like", `${word}%`).execute()).length, 20);
    await back.close();
  });

  it("refuses a key for a clear file, and a key on PostgreSQL", async () => {
    const dir = tempDir();
    const server = await serverWithMessage(dir, {}, "clear");
    await server.close();
    await assert.rejects(
      startTestServer({ database: { encryption_key_file: keyFile(dir) } }, { dir }),
      /is not encrypted but a key is configured.*db encrypt/,
    );
    const postgres = configFile(dir, {
      type: "postgres",
      url: "postgres://127.0.0.1/test",
      path: join(dir, "chat.db"),
      encryption_key_file: keyFile(dir, "pg-key"),
    });
    const refused = await runCli(["db", "status", "--config", postgres]);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /apply to SQLite only/);
  });
});
