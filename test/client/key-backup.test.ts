/**
 * chat-client's key backup against a real server on each storage engine: set up under a
 * recovery passphrase, kept up to date by `send`, holding no plaintext on the server; a
 * new installation of the same person cannot read what was sent before it joined until
 * it restores the backup, and then can, except a message deleted since; a wrong or short
 * passphrase is a clear error; removing the backup removes it from the server. A changed
 * passphrase opens every chunk kept before, and the old one opens nothing any more.
 */
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, it } from "node:test";
import { ApiClient } from "@private-chat/sdk";
import {
  type Client,
  configDir,
  loggedIn,
  removeConfigDirs,
  run,
  signedInPerson,
  start,
  stop,
  waitFor,
} from "../helpers/client-cli.js";
import { forEachEngine } from "../helpers/engines.js";
import type { TestUser } from "../helpers/factories.js";
import type { TestServer } from "../helpers/server.js";

forEachEngine("chat-client: key backup", (engine) => {
  let server: TestServer;
  let alice: TestUser;
  let bob: TestUser;
  let phone: string;
  let bobDir: string;
  const tails: Client[] = [];
  let passphrase: string;
  let wrong: string;
  let short: string;
  let renewed: string;

  before(async () => {
    server = await engine.start({ rate_limit: { enabled: false } });
    [{ user: alice, dir: phone }, { user: bob, dir: bobDir }] = await Promise.all([
      signedInPerson(server.url),
      signedInPerson(server.url),
    ]);
    // Made here: the directories of the engine before are removed when its tests end.
    const files = configDir();
    [passphrase, wrong, short, renewed] = [
      "passphrase.txt",
      "wrong.txt",
      "short.txt",
      "renewed.txt",
    ].map((f) => join(files, f)) as [string, string, string, string];
    writeFileSync(passphrase, "correct horse battery staple\n");
    writeFileSync(wrong, "correct horse battery stapler\n");
    writeFileSync(short, "too short\n");
    writeFileSync(renewed, "a brand new recovery phrase\n");
  });

  after(async () => {
    for (const tail of tails) stop(tail);
    await server.stop();
    removeConfigDirs();
  });

  it("a new installation reads earlier messages once it restores the backup, deleted ones excepted", async () => {
    assert.equal((await run(["devices", "add", "phone"], bobDir)).code, 0);
    const dm = await run(["dm", bob.username, "--encrypted", "--json"], phone);
    assert.equal(dm.code, 0, dm.stderr);
    const { conversation } = JSON.parse(dm.stdout);
    const send = async (dir: string, text: string) => {
      const sent = await run(["send", `@${bob.username}`, "--encrypted", text, "--json"], dir);
      assert.equal(sent.code, 0, sent.stderr);
      return JSON.parse(sent.stdout) as { id: string };
    };
    await send(phone, "the eagle lands at noon");
    const doomed = await send(phone, "burn after reading");

    assert.match((await run(["backup"], phone)).stdout, /^no key backup/);
    const tooShort = await run(["backup", "set-up", "--passphrase-file", short], phone);
    assert.equal(tooShort.code, 1);
    assert.match(tooShort.stderr, /invalid_request: a recovery passphrase has at least 12/);

    const setUp = await run(["backup", "set-up", "--passphrase-file", passphrase], phone);
    assert.equal(setUp.code, 0, setUp.stderr);
    assert.match(setUp.stdout, /key backup set up/);
    assert.match(setUp.stdout, /uploaded 1 chunk of this device's history/);
    const again = await run(["backup", "set-up", "--passphrase-file", passphrase], phone);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /conflict: you have a key backup already/);

    // The server holds the wrapped key and ciphertext only.
    const aliceApi = new ApiClient({ baseUrl: server.url, token: alice.token });
    const chunks = await aliceApi.keyBackup.allChunks();
    assert.equal(chunks.length, 1);
    for (const { id } of chunks) {
      const bytes = Buffer.from((await aliceApi.keyBackup.getChunk(id)).data, "base64url");
      assert.ok(!bytes.includes("eagle"), "a chunk holds plaintext");
    }

    // A deletion, then a message: send brings the backup up to date, without the deleted one.
    assert.equal((await run(["delete", doomed.id], phone)).code, 0);
    await send(phone, "meet at the bridge");

    // Alice's laptop: a new device, added to the chat at her phone's next send (its wait
    // before looking at her devices again is cleared here to make it now).
    const laptop = loggedIn(server.url, alice);
    assert.equal((await run(["devices", "add", "laptop"], laptop)).code, 0);
    const state = join(phone, `e2ee-${alice.id}`, `${conversation.id}.json`);
    writeFileSync(
      state,
      JSON.stringify({ ...JSON.parse(readFileSync(state, "utf8")), checked_at: {} }),
    );
    await send(phone, "the laptop reads this");

    const history = ["tail", `@${bob.username}`, "--encrypted", "--history", "10"];
    const before = start(history, laptop);
    tails.push(before);
    await waitFor("the laptop's history", before.stdout, (s) =>
      s.includes("the laptop reads this"),
    );
    assert.match(before.stdout(), /sent before this device joined/);
    assert.doesNotMatch(before.stdout(), /the eagle lands at noon|meet at the bridge/);
    stop(before);

    const refused = await run(["backup", "restore", "--passphrase-file", wrong], laptop);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /refused: the passphrase does not open this key backup/);
    const restored = await run(["backup", "restore", "--passphrase-file", passphrase], laptop);
    assert.equal(restored.code, 0, restored.stderr);
    assert.match(restored.stdout, /restored 2 messages in 1 conversation from/);

    const after = start(history, laptop);
    tails.push(after);
    await waitFor("the restored history", after.stdout, (s) => s.includes("the laptop reads this"));
    assert.match(after.stdout(), /the eagle lands at noon/);
    assert.match(after.stdout(), /meet at the bridge/);
    assert.doesNotMatch(after.stdout(), /burn after reading/);
    stop(after);

    const status = JSON.parse((await run(["backup", "--json"], laptop)).stdout);
    assert.equal(status.key_here, true);
    assert.ok(status.backup.chunks >= 1);

    const removed = await run(["backup", "remove"], laptop);
    assert.equal(removed.code, 0, removed.stderr);
    assert.equal(await aliceApi.keyBackup.get(), undefined);
    assert.deepEqual(await aliceApi.keyBackup.allChunks().catch(() => []), []);
    // The phone still holds the old key: its next send says the backup is gone, and sends.
    const lonely = await run(
      ["send", `@${bob.username}`, "--encrypted", "after the backup"],
      phone,
    );
    assert.equal(lonely.code, 0, lonely.stderr);
    assert.match(lonely.stderr, /the key backup was removed from the server/);
    const restoreGone = await run(["backup", "restore", "--passphrase-file", passphrase], laptop);
    assert.equal(restoreGone.code, 1);
    assert.match(restoreGone.stderr, /not_found: you have no key backup/);
  });

  it("a changed passphrase opens everything kept before, and the old one nothing", async () => {
    const [{ user: carol, dir: carolPhone }, { user: dave, dir: daveDir }] = await Promise.all([
      signedInPerson(server.url),
      signedInPerson(server.url),
    ]);
    assert.equal((await run(["devices", "add", "phone"], daveDir)).code, 0);
    const dm = await run(["dm", dave.username, "--encrypted", "--json"], carolPhone);
    assert.equal(dm.code, 0, dm.stderr);
    const { conversation } = JSON.parse(dm.stdout);
    const send = async (text: string) => {
      const sent = await run(["send", `@${dave.username}`, "--encrypted", text], carolPhone);
      assert.equal(sent.code, 0, sent.stderr);
    };
    await send("before the change");
    const setUp = await run(["backup", "set-up", "--passphrase-file", passphrase], carolPhone);
    assert.equal(setUp.code, 0, setUp.stderr);
    const api = new ApiClient({ baseUrl: server.url, token: carol.token });
    const before = await api.keyBackup.get();
    assert.ok(before);

    const change = (old: string, next: string) =>
      run(
        ["backup", "passphrase", "--passphrase-file", old, "--new-passphrase-file", next],
        carolPhone,
      );
    const wrongOld = await change(wrong, renewed);
    assert.equal(wrongOld.code, 1);
    assert.match(wrongOld.stderr, /refused: the passphrase does not open this key backup/);
    const shortNew = await change(passphrase, short);
    assert.equal(shortNew.code, 1);
    assert.match(shortNew.stderr, /invalid_request: a recovery passphrase has at least 12/);
    assert.equal((await api.keyBackup.get())?.version, before.version, "nothing changed yet");

    const changed = await change(passphrase, renewed);
    assert.equal(changed.code, 0, changed.stderr);
    assert.match(changed.stdout, /the recovery passphrase is changed/);
    const after = await api.keyBackup.get();
    assert.ok(after);
    assert.notEqual(after.version, before.version);
    assert.notEqual(after.kdf.salt, before.kdf.salt);
    assert.equal(after.created_at, before.created_at);
    assert.deepEqual([after.chunks, after.bytes], [before.chunks, before.bytes]);

    // This installation keeps the same key: its next send still brings the backup up to date.
    await send("after the change");
    const laptop = loggedIn(server.url, carol);
    assert.equal((await run(["devices", "add", "laptop"], laptop)).code, 0);
    const state = join(carolPhone, `e2ee-${carol.id}`, `${conversation.id}.json`);
    writeFileSync(
      state,
      JSON.stringify({ ...JSON.parse(readFileSync(state, "utf8")), checked_at: {} }),
    );
    await send("the laptop joins");

    const old = await run(["backup", "restore", "--passphrase-file", passphrase], laptop);
    assert.equal(old.code, 1);
    assert.match(old.stderr, /refused: the passphrase does not open this key backup/);
    const restored = await run(
      ["backup", "restore", "--passphrase-file", renewed, "--json"],
      laptop,
    );
    assert.equal(restored.code, 0, restored.stderr);
    assert.equal(JSON.parse(restored.stdout).messages, 2);
    const history = ["tail", `@${dave.username}`, "--encrypted", "--history", "10"];
    const tail = start(history, laptop);
    tails.push(tail);
    await waitFor("the restored history", tail.stdout, (s) => s.includes("the laptop joins"));
    assert.match(tail.stdout(), /before the change/);
    assert.match(tail.stdout(), /after the change/);
    stop(tail);
  });
});
