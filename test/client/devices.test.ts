/**
 * chat-client devices against a real server on each storage engine: this installation
 * becomes a device whose private keys stay in a 0600 file, and they work (another person
 * adds the device to an encrypted group, and its saved keys open the welcome); listing,
 * renaming and removing it (its keys deleted with it); and every bad input or damaged
 * file is a clear error, never a crash.
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, it } from "node:test";
import { ApiClient, type DeviceView } from "@private-chat/sdk";
import { EncryptedGroup, loadDevice, registerDevice, startEncrypted } from "@private-chat/sdk/mls";
import { loggedIn, removeConfigDirs, run } from "../helpers/client-cli.js";
import { forEachEngine } from "../helpers/engines.js";
import { createUser, type TestUser } from "../helpers/factories.js";
import type { TestServer } from "../helpers/server.js";

forEachEngine("chat-client: devices", (engine) => {
  let server: TestServer;
  let alice: TestUser;
  let bob: TestUser;
  let aliceDir: string;
  const api = (user: TestUser) => new ApiClient({ baseUrl: server.url, token: user.token });
  const keyFile = () => join(aliceDir, `device-${alice.id}.json`);

  before(async () => {
    server = await engine.start({ rate_limit: { enabled: false } });
    [alice, bob] = await Promise.all([createUser(server.url), createUser(server.url)]);
    aliceDir = loggedIn(server.url, alice);
  });

  after(async () => {
    await server.stop();
    removeConfigDirs();
  });

  it("makes this installation a device whose saved keys join an encrypted group", async () => {
    const none = await run(["devices"], aliceDir);
    assert.equal(none.code, 0, none.stderr);
    assert.equal(none.stdout, "");
    assert.match(none.stderr, /no devices yet/);

    const added = await run(["devices", "add", "work", "laptop", "--json"], aliceDir);
    assert.equal(added.code, 0, added.stderr);
    const shown = JSON.parse(added.stdout) as DeviceView;
    assert.equal(shown.name, "work laptop");
    assert.equal(shown.unused_key_packages, 20);
    assert.equal(shown.has_last_resort, true);
    assert.equal(statSync(keyFile()).mode & 0o777, 0o600);
    assert.equal(statSync(aliceDir).mode & 0o777, 0o700);

    const listed = await run(["devices"], aliceDir);
    assert.match(listed.stdout, new RegExp(`^${shown.id}  work laptop .*\\(this device\\)`));
    const again = await run(["devices", "add"], aliceDir);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /^chat-client: conflict: this installation is your device/);

    // Bob adds Alice's device to an encrypted group; the file's keys open the welcome.
    const bobDevice = await registerDevice(api(bob).devices, bob.id, "phone", 2);
    const { group, setup } = await startEncrypted(api(bob), bobDevice, {
      type: "group",
      title: "two of us",
      member_ids: [alice.id],
    });
    const saved = loadDevice(JSON.parse(readFileSync(keyFile(), "utf8")));
    assert.equal(saved.keys.deviceId, shown.id);
    const welcome = Buffer.from(setup?.mls?.welcome ?? "", "base64url");
    const joined = await EncryptedGroup.join(saved.keys, new Uint8Array(welcome), saved.held);
    assert.equal(joined.epoch, group.epoch);
  });

  it("renames by id prefix, and removes a device with its keys", async () => {
    const [own] = await api(alice).devices.list();
    assert.ok(own);
    const renamed = await run(["devices", "rename", own.id.slice(0, 8), "old", "laptop"], aliceDir);
    assert.equal(renamed.code, 0, renamed.stderr);
    assert.match(renamed.stdout, /old laptop/);
    const removed = await run(["devices", "remove", own.id.slice(0, 8), "--json"], aliceDir);
    assert.equal(removed.code, 0, removed.stderr);
    assert.deepEqual(JSON.parse(removed.stdout), { removed: own.id, keys_deleted: true });
    assert.equal(existsSync(keyFile()), false);
    assert.deepEqual(await api(alice).devices.list(), []);
  });

  it("answers bad input and a damaged key file with a clear error", async () => {
    const cases: [string[], RegExp][] = [
      [["devices", "remove", "no-such-device"], /^chat-client: not_found: no device of yours/],
      [["devices", "remove"], /^chat-client: usage: devices remove: give one <device-id>/],
      [["devices", "polish"], /^chat-client: usage: devices: unknown action "polish"/],
      [["devices", "add", "   "], /^chat-client: usage: devices: a device's name cannot be empty/],
    ];
    for (const [args, expected] of cases) {
      const result = await run(args, aliceDir);
      assert.equal(result.code, 1, args.join(" "));
      assert.match(result.stderr, expected, args.join(" "));
    }
    // Not JSON, and JSON that is no device.
    for (const damaged of ["{not json", JSON.stringify({ version: 1 })]) {
      writeFileSync(keyFile(), damaged, { mode: 0o600 });
      const result = await run(["devices"], aliceDir);
      assert.equal(result.code, 1, damaged);
      assert.match(result.stderr, /^chat-client: config_error: .* is not this account's device/);
    }
  });
});
