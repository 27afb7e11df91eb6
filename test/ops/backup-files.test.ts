/**
 * `chat-server backup --encrypt` with the uploaded files, against a real server: files
 * uploaded and sent come back after a restore into a fresh path, byte for byte, through
 * a new server; a second backup stores only the new files; deleting an older backup's
 * manifest leaves the newer one whole; age recipients work as well as a passphrase.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { readdirSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { API, download, uploadOk } from "../attachments/support.js";
import { createDirect } from "../helpers/chat.js";
import { runCli } from "../helpers/cli.js";
import { createUser } from "../helpers/factories.js";
import { client } from "../helpers/http.js";
import { startTestServer, testSecret } from "../helpers/server.js";
import { filesUnder, tempDirs } from "../helpers/temp-dirs.js";

const tempDir = tempDirs("chat-backup-files-");

function passphraseFile(dir: string): string {
  const file = join(dir, "passphrase");
  writeFileSync(file, `${randomBytes(32).toString("base64")}\n`, { mode: 0o600 });
  return file;
}

describe("chat-server backup --encrypt with uploaded files", () => {
  it("restores database and files together: every attachment downloads from a new server", async () => {
    const dir = tempDir();
    const overrides = { auth: { jwt_secret: testSecret() }, rate_limit: { enabled: false } };
    const server = await startTestServer(overrides, { dir });
    const env = { CHAT_DATABASE_PATH: join(dir, "chat.db") };
    const folder = tempDir();
    const key = passphraseFile(tempDir());
    const sent: { id: string; bytes: Buffer }[] = [];
    const alice = await createUser(server.url);
    const bob = await createUser(server.url);
    const conversation = (await createDirect(server.url, alice, bob)).id;
    const api = client(server.url);
    const sendFiles = async (sizes: number[]) => {
      const ids: string[] = [];
      for (const size of sizes) {
        const bytes = randomBytes(size);
        const view = await uploadOk(server.url, alice, conversation, bytes, { name: "f.bin" });
        sent.push({ id: view.id, bytes });
        ids.push(view.id);
      }
      const res = await api.post(
        `${API}/conversations/${conversation}/messages`,
        { body: "files", attachment_ids: ids },
        { token: alice.token },
      );
      assert.equal(res.status, 201, res.text);
    };
    try {
      await sendFiles([3 * 1024 * 1024 + 17, 10, 70_000]);
      const first = join(folder, "chat_1.backup");
      const one = await runCli(["backup", "--out", first, "--encrypt", "--passphrase-file", key], {
        env,
      });
      assert.equal(one.code, 0, one.stderr);
      assert.match(one.stdout, /3 files \(3215755 bytes\); 4 new blobs/);
      for (const file of filesUnder(folder)) {
        assert.equal(statSync(join(folder, file)).mode & 0o777, 0o600, file);
      }
      // The database went through a snapshot file beside it, removed once sealed; the
      // backup folder only ever holds sealed bytes.
      assert.deepEqual(
        readdirSync(dir).filter((name) => name.includes("snapshot")),
        [],
      );

      await sendFiles([5000]);
      const second = join(folder, "chat_2.backup");
      const two = await runCli(["backup", "--out", second, "--encrypt", "--passphrase-file", key], {
        env,
      });
      assert.equal(two.code, 0, two.stderr);
      // Only the new file and the changed database are written again.
      assert.match(two.stdout, /4 files \(3220755 bytes\); 2 new blobs, \d+ bytes/);
      const written = Number(/2 new blobs, (\d+) bytes/.exec(two.stdout)?.[1]);
      assert.ok(written < 1024 * 1024, `second backup wrote ${written} bytes`);
    } finally {
      await server.stop();
    }

    // Rotation deletes old manifests; the newer backup still holds everything it names.
    unlinkSync(join(folder, "chat_1.backup"));
    const second = join(folder, "chat_2.backup");
    const verified = await runCli(["backup", "verify", second, "--passphrase-file", key], {
      env,
    });
    assert.equal(verified.code, 0, verified.stderr);
    assert.match(verified.stdout, /is sound: .* 4 files \(3220755 bytes\) match/);

    const fresh = tempDir();
    const restored = await runCli(["restore", second, "--passphrase-file", key], {
      env: { CHAT_DATABASE_PATH: join(fresh, "chat.db") },
    });
    assert.equal(restored.code, 0, restored.stderr);
    assert.match(restored.stdout, /uploaded files: 4 restored into .*uploads, 0 already there/);
    const again = await startTestServer(overrides, { dir: fresh });
    try {
      for (const file of sent) {
        const got = await download(again.url, bob, `/attachments/${file.id}`);
        assert.equal(got.status, 200);
        assert.ok(got.bytes.equals(file.bytes), `attachment ${file.id} comes back byte for byte`);
      }
    } finally {
      await again.stop();
    }
  });

  it("seals to age recipients: keygen, backup --recipient-file, verify and restore --identity-file", async () => {
    const dir = tempDir();
    const server = await startTestServer({ auth: { jwt_secret: testSecret() } }, { dir });
    await server.stop();
    const env = { CHAT_DATABASE_PATH: join(dir, "chat.db") };
    const keys = tempDir();
    const identity = join(keys, "backup-identity.txt");
    const made = await runCli(["backup", "keygen", "--out", identity]);
    assert.equal(made.code, 0, made.stderr);
    assert.match(made.stdout, /^age1[0-9a-z]+\n$/);
    assert.equal(statSync(identity).mode & 0o777, 0o600);
    const recipient = join(keys, "backup-recipient.txt");
    writeFileSync(recipient, made.stdout);

    const folder = tempDir();
    const out = join(folder, "chat.backup");
    const took = await runCli(
      ["backup", "--out", out, "--encrypt", "--recipient-file", recipient],
      { env },
    );
    assert.equal(took.code, 0, took.stderr);
    const ok = await runCli(["backup", "verify", out, "--identity-file", identity]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /is sound/);
    const restored = await runCli(["restore", out, "--identity-file", identity], {
      env: { CHAT_DATABASE_PATH: join(tempDir(), "chat.db") },
    });
    assert.equal(restored.code, 0, restored.stderr);

    const other = join(keys, "other.txt");
    assert.equal((await runCli(["backup", "keygen", "--out", other])).code, 0);
    const wrong = await runCli(["backup", "verify", out, "--identity-file", other]);
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /^chat-server backup: cannot decrypt .*: wrong key or damaged file/);
    assert.equal(wrong.stderr.trim().split("\n").length, 1);
  });
});
