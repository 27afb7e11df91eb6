/**
 * `chat-server backup verify` finds every kind of damage without restoring anything (a
 * truncated manifest, a flipped byte in a file, a missing file, a truncated database, a
 * wrong passphrase); a backup killed midway leaves the earlier one whole: it still
 * verifies and restores; prune deletes old backups and only the files no kept one names.
 */
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  statSync,
  unlinkSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { generateX25519Identity, identityToRecipient } from "age-encryption";
import { finished, runCli, spawnCli } from "../helpers/cli.js";
import { startTestServer, testSecret } from "../helpers/server.js";
import { filesUnder, tempDirs } from "../helpers/temp-dirs.js";

const tempDir = tempDirs("chat-backup-verify-");

/** Puts files into the uploads directory as the server stores them (blobs/ab/cd/<sha256>). */
function storeUploads(uploads: string, count: number, size: number): void {
  for (let i = 0; i < count; i++) {
    const bytes = randomBytes(size);
    const name = createHash("sha256").update(bytes).digest("hex");
    const dir = join(uploads, "blobs", name.slice(0, 2), name.slice(2, 4));
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    writeFileSync(join(dir, name), bytes, { mode: 0o600 });
  }
}

interface Setup {
  env: NodeJS.ProcessEnv;
  uploads: string;
  folder: string;
  /** The flags that seal a backup, and those that open it. */
  seal: string[];
  open: string[];
}

/**
 * A database, its uploads directory and a backup folder. Backups are sealed with a
 * passphrase when the passphrase is what a test is about, and otherwise to an age
 * recipient: each passphrase is a deliberately slow scrypt (seconds of processor time),
 * and the damage verify finds is the same whichever key sealed the files.
 */
async function setup(key: "passphrase" | "recipient" = "recipient"): Promise<Setup> {
  const dir = tempDir();
  const server = await startTestServer({ auth: { jwt_secret: testSecret() } }, { dir });
  await server.stop();
  const keys = tempDir();
  let seal: string[];
  let open: string[];
  if (key === "passphrase") {
    const passphrase = join(keys, "passphrase");
    writeFileSync(passphrase, `${randomBytes(32).toString("base64")}\n`, { mode: 0o600 });
    seal = open = ["--passphrase-file", passphrase];
  } else {
    const identity = await generateX25519Identity();
    const [identityFile, recipientFile] = [join(keys, "identity"), join(keys, "recipient")];
    writeFileSync(identityFile, `${identity}\n`, { mode: 0o600 });
    writeFileSync(recipientFile, `${await identityToRecipient(identity)}\n`);
    seal = ["--recipient-file", recipientFile];
    open = ["--identity-file", identityFile];
  }
  return {
    env: { CHAT_DATABASE_PATH: join(dir, "chat.db") },
    uploads: join(dir, "uploads"),
    folder: tempDir(),
    seal,
    open,
  };
}

async function backup(s: Setup, out: string): Promise<void> {
  const result = await runCli(["backup", "--out", out, "--encrypt", ...s.seal], { env: s.env });
  assert.equal(result.code, 0, result.stderr);
}

async function verify(file: string, s: Pick<Setup, "open">) {
  return runCli(["backup", "verify", file, ...s.open]);
}

/** Copies the whole backup folder, so each kind of damage starts from a sound backup. */
function copyFolder(from: string): string {
  const to = tempDir();
  for (const file of filesUnder(from)) {
    mkdirSync(join(to, file, ".."), { recursive: true });
    copyFileSync(join(from, file), join(to, file));
  }
  return to;
}

describe("chat-server backup verify", () => {
  /** Sealed with a passphrase, and sealed to a recipient. */
  let s: Setup;
  let r: Setup;
  before(async () => {
    [s, r] = await Promise.all([setup("passphrase"), setup("recipient")]);
    for (const each of [s, r]) {
      storeUploads(each.uploads, 3, 200_000);
      await backup(each, join(each.folder, "chat.backup"));
    }
  });

  it("passes a sound backup, sealed with a passphrase or to a recipient", async () => {
    for (const each of [s, r]) {
      const ok = await verify(join(each.folder, "chat.backup"), each);
      assert.equal(ok.code, 0, ok.stderr);
      assert.match(
        ok.stdout,
        /is sound: database \d+ bytes, schema \d+_\w+, .* 3 files \(600000 bytes\)/,
      );
    }
  });

  const damages: [string, (folder: string) => void, RegExp][] = [
    [
      "a truncated manifest",
      (folder) => {
        const file = join(folder, "chat.backup");
        writeFileSync(file, readFileSync(file).subarray(0, 200));
      },
      /cannot decrypt .*chat\.backup: wrong key or damaged file/,
    ],
    [
      "a flipped byte in an uploaded file",
      (folder) => {
        const blob = filesUnder(folder).find((f) => /\/[0-9a-f]{2}\/[0-9a-f]{64}\.age$/.test(f));
        const path = join(folder, blob ?? "");
        const bytes = readFileSync(path);
        bytes.writeUInt8(bytes.readUInt8(100_000) ^ 0x01, 100_000);
        writeFileSync(path, bytes);
      },
      /file [0-9a-f]{64} of .* is damaged or truncated/,
    ],
    [
      "a missing uploaded file",
      (folder) => {
        const blob = filesUnder(folder).find((f) => /\/[0-9a-f]{2}\/[0-9a-f]{64}\.age$/.test(f));
        unlinkSync(join(folder, blob ?? ""));
      },
      /file [0-9a-f]{64} of .* is missing/,
    ],
    [
      "a truncated database",
      (folder) => {
        const db = filesUnder(folder).find((f) => /\/db\/[0-9a-f]{64}\.age$/.test(f));
        const path = join(folder, db ?? "");
        writeFileSync(path, readFileSync(path).subarray(0, statSync(path).size - 5000));
      },
      /the database of .* is damaged or truncated/,
    ],
  ];
  for (const [what, damage, message] of damages) {
    it(`fails on ${what}: one line, exit 1`, async () => {
      const folder = copyFolder(r.folder);
      damage(folder);
      const result = await verify(join(folder, "chat.backup"), r);
      assert.equal(result.code, 1, result.stdout);
      assert.match(result.stderr, new RegExp(`^chat-server backup: ${message.source}`));
      assert.equal(result.stderr.trim().split("\n").length, 1, result.stderr);
    });
  }

  it("refuses to add to a folder with another passphrase, writing nothing", async () => {
    const other = join(tempDir(), "other");
    writeFileSync(other, "another passphrase, long enough\n", { mode: 0o600 });
    const before = filesUnder(s.folder).sort();
    const out = join(s.folder, "other.backup");
    const result = await runCli(["backup", "--out", out, "--encrypt", "--passphrase-file", other], {
      env: s.env,
    });
    assert.equal(result.code, 1);
    assert.match(
      result.stderr,
      /^chat-server backup: .*blob-key\.age does not open with this passphrase: .* use a new folder/,
    );
    assert.deepEqual(filesUnder(s.folder).sort(), before);
  });

  it("says what is wrong with a file that is no such backup, or no file", async () => {
    const plain = join(tempDir(), "plain.db");
    const made = await runCli(["backup", "--out", plain, "--no-uploads"], { env: r.env });
    assert.equal(made.code, 0, made.stderr);
    const notOne = await verify(plain, r);
    assert.equal(notOne.code, 1);
    assert.match(
      notOne.stderr,
      /^chat-server backup: .*plain\.db is not a backup made with backup --encrypt/,
    );
    const none = await verify(join(tempDir(), "absent.backup"), r);
    assert.equal(none.code, 1);
    assert.match(none.stderr, /^chat-server backup: cannot read .*absent\.backup \(ENOENT\)\n$/);
    const noKey = await runCli(["backup", "verify", plain]);
    assert.equal(noKey.code, 64);
  });

  it("fails on a wrong passphrase, and refuses restore with it, leaving the target alone", async () => {
    const wrong = join(tempDir(), "wrong");
    writeFileSync(wrong, "another passphrase, long enough\n", { mode: 0o600 });
    const result = await verify(join(s.folder, "chat.backup"), {
      open: ["--passphrase-file", wrong],
    });
    assert.equal(result.code, 1);
    assert.match(
      result.stderr,
      /^chat-server backup: cannot decrypt .*: wrong key or damaged file/,
    );
    const target = join(tempDir(), "chat.db");
    const refused = await runCli(
      ["restore", join(s.folder, "chat.backup"), "--passphrase-file", wrong],
      {
        env: { CHAT_DATABASE_PATH: target },
      },
    );
    assert.equal(refused.code, 1);
    assert.equal(existsSync(target), false);
  });
});

describe("a backup killed midway", () => {
  it("leaves the earlier backup whole: it verifies and restores", async () => {
    const s = await setup();
    storeUploads(s.uploads, 2, 1000);
    const first = join(s.folder, "chat_1.backup");
    await backup(s, first);
    storeUploads(s.uploads, 40, 1024 * 1024);

    const second = join(s.folder, "chat_2.backup");
    const child = spawnCli(["backup", "--out", second, "--encrypt", ...s.seal], { env: s.env });
    const done = finished(child);
    // Killed as soon as it is writing the new files.
    let killed = false;
    for (let i = 0; i < 3000 && child.exitCode === null; i++) {
      if (filesUnder(s.folder).filter((f) => f.endsWith(".age")).length > 6) {
        child.kill("SIGKILL");
        killed = true;
        break;
      }
      await sleep(10);
    }
    const result = await done;
    assert.ok(killed, `the backup ended before it could be killed: ${result.stderr}`);
    assert.equal(result.signal, "SIGKILL");
    assert.equal(existsSync(second), false, "no manifest for a backup that did not finish");

    const ok = await verify(first, s);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /2 files \(2000 bytes\)/);
    const restored = await runCli(["restore", first, ...s.open], {
      env: { CHAT_DATABASE_PATH: join(tempDir(), "chat.db") },
    });
    assert.equal(restored.code, 0, restored.stderr);
    assert.match(restored.stdout, /uploaded files: 2 restored/);

    // The next backup finishes the job, reusing what the killed one completed.
    await backup(s, second);
    const again = await verify(second, s);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /42 files/);
  });
});

describe("chat-server backup prune", () => {
  it("deletes backups beyond --keep and the files only they named; the kept one verifies", async () => {
    const s = await setup();
    storeUploads(s.uploads, 3, 1000);
    const first = join(s.folder, "chat_1.backup");
    await backup(s, first);
    // The first backup was taken ten days ago, and one file was deleted since.
    const past = new Date(Date.now() - 10 * 24 * 60 * 60 * 1000);
    for (const file of filesUnder(s.folder)) utimesSync(join(s.folder, file), past, past);
    const gone = filesUnder(join(s.uploads, "blobs"))[0] ?? "";
    unlinkSync(join(s.uploads, "blobs", gone));
    const second = join(s.folder, "chat_2.backup");
    await backup(s, second);

    const kept = await runCli(["backup", "prune", s.folder]);
    assert.equal(kept.code, 0, kept.stderr);
    assert.match(kept.stdout, /0 backups deleted, 2 kept; 0 blobs/);
    const pruned = await runCli(["backup", "prune", s.folder, "--keep", "1"]);
    assert.equal(pruned.code, 0, pruned.stderr);
    assert.match(pruned.stdout, /1 backups deleted, 1 kept; 1 blobs no kept backup names deleted/);
    assert.equal(existsSync(first), false);
    assert.ok(!filesUnder(s.folder).some((f) => f.includes(gone.split("/").at(-1) ?? "-")));
    const ok = await verify(second, s);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /2 files/);
    const bad = await runCli(["backup", "prune", s.folder, "--keep", "0"]);
    assert.equal(bad.code, 64);
  });
});
