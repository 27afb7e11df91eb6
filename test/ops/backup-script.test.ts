/**
 * deploy/backup.sh and deploy/chat-backup.cron: the script parses, runs against a real
 * server with each encryption (age recipients, passphrase, gpg), keeps KEEP_DAYS of
 * backups, leaves nothing behind when a backup fails, and what it writes restores.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import SqliteDatabase from "better-sqlite3-multiple-ciphers";
import { createDirect, sendMessage } from "../helpers/chat.js";
import { runCli } from "../helpers/cli.js";
import { CHAT_SERVER_ARGS } from "../helpers/command-entry.js";
import { createUser } from "../helpers/factories.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { tempDirs } from "../helpers/temp-dirs.js";

const REPO = fileURLToPath(new URL("../..", import.meta.url));
const SCRIPT = join(REPO, "deploy", "backup.sh");
const CRON = join(REPO, "deploy", "chat-backup.cron");
const DAY_MS = 24 * 3600 * 1000;

const exec = promisify(execFile);
const tempDir = tempDirs("chat-script-");

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion; a non-zero exit is a result, not an exception. */
async function runFile(file: string, args: string[], env: NodeJS.ProcessEnv): Promise<Run> {
  try {
    const { stdout, stderr } = await exec(file, args, { cwd: REPO, env });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const failed = err as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, stdout: failed.stdout ?? "", stderr: failed.stderr ?? "" };
  }
}

/** An executable chat-server that runs this checkout as the other tests do, for CHAT_SERVER. */
function chatServerWrapper(dir: string): string {
  const file = join(dir, "chat-server");
  const command = [process.execPath, ...CHAT_SERVER_ARGS].map((a) => `"${a}"`).join(" ");
  writeFileSync(file, `#!/bin/sh\nexec ${command} "$@"\n`, { mode: 0o755 });
  return file;
}

function ageFile(path: string, days: number): void {
  const when = new Date(Date.now() - days * DAY_MS);
  utimesSync(path, when, when);
}

interface Setup {
  server: TestServer;
  acked: string[];
  work: string;
  backups: string;
  config: string;
  env: NodeJS.ProcessEnv;
}

async function setup(): Promise<Setup> {
  const server = await startTestServer({ rate_limit: { enabled: false } });
  const alice = await createUser(server.url);
  const bob = await createUser(server.url);
  const conversation = (await createDirect(server.url, alice, bob)).id;
  const acked: string[] = [];
  for (let i = 0; i < 6; i++) {
    acked.push((await sendMessage(server.url, alice, conversation, `nightly ${i}`)).id);
  }
  const work = tempDir();
  const backups = join(work, "backups");
  mkdirSync(backups, { mode: 0o700 });
  const config = join(work, "config.toml");
  writeFileSync(config, `[database]\npath = "${join(server.dir, "chat.db")}"\n`);
  const env = {
    PATH: process.env.PATH,
    HOME: work,
    CHAT_SERVER: chatServerWrapper(work),
    CHAT_CONFIG: config,
    BACKUP_DIR: backups,
  };
  return { server, acked, work, backups, config, env };
}

/** Runs a shell pipeline that restores into <work>/restored/chat.db; returns its messages. */
async function restoredIds(pipeline: string, work: string): Promise<Set<string>> {
  const target = join(work, "restored", "chat.db");
  const result = await runFile("bash", ["-o", "pipefail", "-c", pipeline], {
    PATH: process.env.PATH,
    GNUPGHOME: join(work, "gnupg"),
    CHAT_DATABASE_PATH: target,
    CHAT_SERVER: join(work, "chat-server"),
  });
  assert.equal(result.code, 0, result.stderr);
  const db = new SqliteDatabase(target, { readonly: true });
  try {
    return new Set(db.prepare("select id from messages").pluck().all() as string[]);
  } finally {
    db.close();
  }
}

describe("deploy/backup.sh", () => {
  it("parses, and the cron file runs it nightly at 02:00 as the service user", async () => {
    const syntax = await runFile("bash", ["-n", SCRIPT], { PATH: process.env.PATH });
    assert.equal(syntax.code, 0, syntax.stderr);
    const script = readFileSync(SCRIPT, "utf8");
    assert.match(script, /^set -euo pipefail$/m);
    assert.match(script, /^umask 077$/m);
    assert.match(
      readFileSync(CRON, "utf8"),
      /^0 2 \* \* \* chat-server \/opt\/chat-server\/deploy\/backup\.sh$/m,
    );
  });

  it("refuses to run without an encryption, or with two", async () => {
    const env = { PATH: process.env.PATH, BACKUP_DIR: join(tempDir(), "b") };
    const none = await runFile("bash", [SCRIPT], env);
    assert.equal(none.code, 1);
    assert.match(none.stderr, /set RECIPIENT_FILE or PASSPHRASE_FILE .* or GPG_RECIPIENT/);
    const both = await runFile("bash", [SCRIPT], {
      ...env,
      GPG_RECIPIENT: "x",
      PASSPHRASE_FILE: "y",
    });
    assert.equal(both.code, 1);
    assert.match(both.stderr, /not both/);
  });

  it("with the built-in encryption: a 0600 backup that restores, and 7 days kept", async () => {
    const s = await setup();
    try {
      const passphrase = join(s.work, "passphrase");
      writeFileSync(passphrase, "a long passphrase for the nightly test\n", { mode: 0o600 });
      const old = join(s.backups, "chat_20000101_020000.db.enc");
      const recent = join(s.backups, "chat_20000102_020000.backup");
      const unrelated = join(s.backups, "notes.txt");
      for (const file of [old, recent, unrelated]) writeFileSync(file, "x");
      ageFile(old, 8);
      ageFile(recent, 6);
      ageFile(unrelated, 30);

      const result = await runFile("bash", [SCRIPT], { ...s.env, PASSPHRASE_FILE: passphrase });
      assert.equal(result.code, 0, result.stderr);
      const names = readdirSync(s.backups).sort();
      const fresh = names.filter(
        (name) => /^chat_\d{8}_\d{6}\.backup$/.test(name) && !name.startsWith("chat_2000"),
      );
      assert.equal(fresh.length, 1, names.join(" "));
      assert.deepEqual(
        names.filter((name) => !fresh.includes(name)),
        ["blob-key.age", "blobs", "chat_20000102_020000.backup", "notes.txt"],
      );
      const backup = join(s.backups, fresh[0] ?? "");
      assert.equal(statSync(backup).mode & 0o777, 0o600);

      const target = join(s.work, "restored", "chat.db");
      const restore = await runCli(["restore", backup, "--passphrase-file", passphrase], {
        env: { CHAT_DATABASE_PATH: target },
      });
      assert.equal(restore.code, 0, restore.stderr);
      const db = new SqliteDatabase(target, { readonly: true });
      const ids = new Set(db.prepare("select id from messages").pluck().all() as string[]);
      db.close();
      for (const id of s.acked) assert.ok(ids.has(id), `message ${id} missing`);
    } finally {
      await s.server.stop();
    }
  });

  it("with RECIPIENT_FILE: the uploaded files are in the backup, stored once over two nights", async () => {
    const s = await setup();
    try {
      const keygen = await runFile(
        s.env.CHAT_SERVER ?? "",
        ["backup", "keygen", "--out", join(s.work, "identity")],
        s.env,
      );
      assert.equal(keygen.code, 0, keygen.stderr);
      const recipient = join(s.work, "recipient");
      writeFileSync(recipient, keygen.stdout);
      const bytes = randomBytes(50_000);
      const name = createHash("sha256").update(bytes).digest("hex");
      const blobDir = join(s.server.dir, "uploads", "blobs", name.slice(0, 2), name.slice(2, 4));
      mkdirSync(blobDir, { recursive: true });
      writeFileSync(join(blobDir, name), bytes);

      const env = { ...s.env, RECIPIENT_FILE: recipient };
      const first = await runFile("bash", [SCRIPT], env);
      assert.equal(first.code, 0, first.stderr);
      // Two backups a second apart: the names carry the time to the second.
      await new Promise((resolve) => setTimeout(resolve, 1100));
      const second = await runFile("bash", [SCRIPT], env);
      assert.equal(second.code, 0, second.stderr);
      const backups = readdirSync(s.backups)
        .filter((f) => f.endsWith(".backup"))
        .sort();
      assert.equal(backups.length, 2, backups.join(" "));
      const sealedFiles = readdirSync(join(s.backups, "blobs"), {
        recursive: true,
        encoding: "utf8",
      }).filter((f) => f.endsWith(`${name}.age`));
      assert.equal(sealedFiles.length, 1, "the file is stored once");

      const verify = await runFile(
        s.env.CHAT_SERVER ?? "",
        [
          "backup",
          "verify",
          join(s.backups, backups[1] ?? ""),
          "--identity-file",
          join(s.work, "identity"),
        ],
        s.env,
      );
      assert.equal(verify.code, 0, verify.stderr);
      assert.match(verify.stdout, /is sound: .* 1 files \(50000 bytes\) match/);
    } finally {
      await s.server.stop();
    }
  });

  it("with gpg: the clear copy only passes through a pipe, and gpg --decrypt | restore - works", async () => {
    const s = await setup();
    const gnupg = join(s.work, "gnupg");
    mkdirSync(gnupg, { mode: 0o700 });
    const gpgEnv = { PATH: process.env.PATH, GNUPGHOME: gnupg };
    try {
      const key = await runFile(
        "gpg",
        [
          "--batch",
          "--passphrase",
          "",
          "--quick-gen-key",
          "Chat Backup Test <backup-test@example.invalid>",
          "default",
          "default",
          "never",
        ],
        gpgEnv,
      );
      assert.equal(key.code, 0, key.stderr);
      const result = await runFile("bash", [SCRIPT], {
        ...s.env,
        ...gpgEnv,
        GPG_RECIPIENT: "backup-test@example.invalid",
      });
      assert.equal(result.code, 0, result.stderr);
      const names = readdirSync(s.backups);
      assert.equal(names.length, 1, names.join(" "));
      assert.match(names[0] ?? "", /^chat_\d{8}_\d{6}\.db\.gpg$/);
      const backup = join(s.backups, names[0] ?? "");
      assert.equal(statSync(backup).mode & 0o777, 0o600);

      const ids = await restoredIds(
        `gpg --batch --quiet --decrypt '${backup}' | "$CHAT_SERVER" restore -`,
        s.work,
      );
      for (const id of s.acked) assert.ok(ids.has(id), `message ${id} missing`);
    } finally {
      await runFile("gpgconf", ["--kill", "gpg-agent"], gpgEnv);
      await s.server.stop();
    }
  });

  it("a failed backup leaves no file behind and rotates nothing", async () => {
    const s = await setup();
    try {
      const old = join(s.backups, "chat_20000101_020000.db.gpg");
      writeFileSync(old, "x");
      ageFile(old, 30);
      writeFileSync(s.config, `[database]\npath = "${join(s.work, "no-such.db")}"\n`);
      const result = await runFile("bash", [SCRIPT], {
        ...s.env,
        GPG_RECIPIENT: "nobody@example.invalid",
        GNUPGHOME: join(s.work, "empty-gnupg"),
      });
      assert.notEqual(result.code, 0);
      assert.match(result.stderr, /no database at .*no-such\.db/);
      assert.deepEqual(readdirSync(s.backups), ["chat_20000101_020000.db.gpg"]);
    } finally {
      await s.server.stop();
    }
  });
});
