/**
 * What a starting server checks before it serves, seen as an operator sees it: the exit
 * status and the one line on standard error.
 */
import assert from "node:assert/strict";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type CliOptions, runCli } from "../helpers/cli.js";
import { DAMAGES, damagedDatabase, soundDatabase } from "../helpers/damaged-sqlite.js";
import { testSecret } from "../helpers/server.js";

const EXIT_CONFIG = 78;

function config(dir: string, body: string): string {
  const file = join(dir, "config.toml");
  writeFileSync(file, `[server]\nport = 0\n[auth]\njwt_secret = "${testSecret()}"\n${body}`);
  return file;
}

/**
 * Permission bits do not stop root: as root the server runs as `nobody`, as a service
 * account does; otherwise as the test's own user.
 */
const SERVICE_USER: CliOptions =
  process.getuid?.() === 0 ? { uid: 65534, gid: 65534, cwd: process.cwd() } : {};

describe("the server's checks at start", () => {
  let dir: string;
  let sound: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "chat-start-"));
    sound = await soundDatabase(join(dir, "sound"));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const damage of DAMAGES) {
    it(`refuses a damaged SQLite database (${damage}), pointing to the guide`, async () => {
      const here = join(dir, damage.replace(" ", "-"));
      const path = damagedDatabase(sound, here, damage);
      const file = config(here, `[database]\npath = "${path}"\n`);
      const result = await runCli(["--config", file]);
      assert.equal(result.code, 1, result.stderr);
      const lines = result.stderr.trim().split("\n");
      assert.equal(lines.length, 1, result.stderr);
      assert.match(
        lines[0]!,
        /^chat-server: the database .* is damaged \(.+\); chat-server does not start on it: see "A damaged SQLite database" in docs\/TROUBLESHOOTING\.md$/,
      );
      assert.ok(lines[0]!.includes(path));
    });
  }

  it("refuses a PostgreSQL section that leaves the attachments' place unsaid", async () => {
    const here = join(dir, "postgres-no-path");
    mkdirSync(here);
    // The migration guide's [database] section as it once was: no path, no [uploads] path.
    const file = config(
      here,
      `[database]\ntype = "postgres"\nurl = "postgres://chat@127.0.0.1:5432/chat"\nschema = "chat"\n`,
    );
    for (const args of [
      ["config", "check", "--config", file],
      ["--config", file],
    ]) {
      const result = await runCli(args);
      assert.equal(result.code, EXIT_CONFIG, result.stderr);
      assert.match(
        result.stderr,
        /\[uploads\] path: expected the directory that holds the attachments when \[database\] type = "postgres"/,
      );
    }
  });

  it("refuses an uploads directory it cannot create", async () => {
    const here = join(dir, "uploads-uncreatable");
    mkdirSync(join(here, "db"), { recursive: true });
    writeFileSync(join(here, "not-a-directory"), "");
    const uploads = join(here, "not-a-directory", "uploads");
    const file = config(
      here,
      `[database]\npath = "${join(here, "db", "chat.db")}"\n[uploads]\npath = "${uploads}"\n`,
    );
    const result = await runCli(["--config", file]);
    assert.equal(result.code, 1, result.stderr);
    assert.match(
      result.stderr,
      /^chat-server: cannot create the uploads directory .*not-a-directory\/uploads \(\[uploads\] path\): ENOTDIR; see "Attachments answer 404 or 500" in docs\/TROUBLESHOOTING\.md\n$/,
    );
  });

  it("refuses, as the service user, an uploads directory it may not create or write in", async () => {
    const here = join(dir, "uploads-denied");
    const data = join(here, "data");
    mkdirSync(data, { recursive: true });
    chmodSync(dir, 0o755);
    // The database's directory is the service user's; its parent, like /opt, is not.
    chmodSync(here, 0o555);
    chmodSync(data, 0o777);
    const database = `[database]\npath = "${join(data, "chat.db")}"\n`;
    const beside = config(data, `${database}[uploads]\npath = "${join(here, "uploads")}"\n`);
    const created = await runCli(["--config", beside], SERVICE_USER);
    assert.equal(created.code, 1, created.stderr);
    assert.match(created.stderr, /cannot create the uploads directory .* EACCES/);

    // It exists, but belongs to someone else.
    chmodSync(here, 0o755);
    mkdirSync(join(here, "theirs"), { mode: 0o755 });
    chmodSync(here, 0o555);
    const theirs = config(data, `${database}[uploads]\npath = "${join(here, "theirs")}"\n`);
    const written = await runCli(["--config", theirs], SERVICE_USER);
    assert.equal(written.code, 1, written.stderr);
    assert.match(written.stderr, /cannot write in the uploads directory .*theirs .* EACCES/);
    chmodSync(here, 0o755);
  });
});
