/**
 * VAPID keys: `chat-server push generate-keys`, the configured pair's checks, and the
 * pair a single SQLite server generates once into its data directory.
 */
import assert from "node:assert/strict";
import { mkdtempSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { parse as parseToml } from "smol-toml";
import { loadConfig } from "../../src/config/load.js";
import { checkVapidKeys, resolveVapidKeys } from "../../src/push/vapid-keys.js";
import { runCli } from "../helpers/cli.js";

const configWith = (dir: string, push: Record<string, unknown>, database = {}) =>
  loadConfig({
    env: {},
    overrides: { database: { path: join(dir, "chat.db"), ...database }, push },
  });

describe("VAPID keys", () => {
  it("push generate-keys prints a valid new pair as a [push] section", async () => {
    const first = await runCli(["push", "generate-keys"]);
    assert.equal(first.code, 0, first.stderr);
    const parsed = parseToml(first.stdout) as {
      push: { vapid_public_key: string; vapid_private_key: string };
    };
    const pub = Buffer.from(parsed.push.vapid_public_key, "base64url");
    assert.equal(pub.length, 65);
    assert.equal(pub[0], 4);
    assert.equal(Buffer.from(parsed.push.vapid_private_key, "base64url").length, 32);
    const dir = mkdtempSync(join(tmpdir(), "chat-vapid-"));
    assert.deepEqual(checkVapidKeys(configWith(dir, parsed.push)), []);
    const second = await runCli(["push", "generate-keys"]);
    assert.notEqual(second.stdout, first.stdout);
    assert.equal((await runCli(["push"])).code, 64);
    assert.equal((await runCli(["push", "generate-keys", "extra"])).code, 64);
  });

  it("refuses half a pair and keys of the wrong shape, at start and in config check", async () => {
    const dir = mkdtempSync(join(tmpdir(), "chat-vapid-"));
    assert.equal(checkVapidKeys(configWith(dir, { vapid_public_key: "abc" })).length, 1);
    const wrong = checkVapidKeys(
      configWith(dir, { vapid_public_key: "AAAA", vapid_private_key: "AAAA" }),
    );
    assert.equal(wrong.length, 2);
    const file = join(dir, "config.toml");
    writeFileSync(
      file,
      `[database]\npath = "${join(dir, "chat.db")}"\n[push]\nvapid_public_key = "AAAA"\n`,
    );
    const check = await runCli(["config", "check", "--config", file]);
    assert.equal(check.code, 78);
    assert.match(
      check.stderr,
      /\[push\] vapid_public_key and vapid_private_key: set both or neither/,
    );
  });

  it("generates a pair once into the data directory on SQLite, and none on PostgreSQL", () => {
    const dir = mkdtempSync(join(tmpdir(), "chat-vapid-"));
    const first = resolveVapidKeys(configWith(dir, {}));
    assert.ok(first?.generatedFile);
    assert.equal(statSync(first.generatedFile).mode & 0o777, 0o600);
    const again = resolveVapidKeys(configWith(dir, {}));
    assert.equal(again?.publicKey, first.publicKey);
    assert.equal(again?.privateKey, first.privateKey);
    assert.equal(
      resolveVapidKeys(configWith(dir, {}, { type: "postgres", url: "postgres://x/y" })),
      undefined,
    );
  });
});
