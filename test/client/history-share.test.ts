/**
 * chat-client's history sharing between one person's devices against a real server on
 * each storage engine: a new installation cannot read what was sent before it joined
 * until her phone shares it (`devices share-history`) and the new one takes it (`devices
 * receive-history`), which `devices` says is waiting; the server holds ciphertext only,
 * and a share that does not check (here: random bytes under her phone's name) is refused,
 * said and deleted.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, it } from "node:test";
import { ApiClient } from "@private-chat/sdk";
import {
  type Client,
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

forEachEngine("chat-client: history shared from another device", (engine) => {
  let server: TestServer;
  let alice: TestUser;
  let bob: TestUser;
  let phone: string;
  let bobDir: string;
  const tails: Client[] = [];

  before(async () => {
    server = await engine.start({ rate_limit: { enabled: false } });
    [{ user: alice, dir: phone }, { user: bob, dir: bobDir }] = await Promise.all([
      signedInPerson(server.url),
      signedInPerson(server.url),
    ]);
  });

  after(async () => {
    for (const tail of tails) stop(tail);
    await server.stop();
    removeConfigDirs();
  });

  it("a new installation reads earlier messages once another device shares them", async () => {
    assert.equal((await run(["devices", "add", "phone"], bobDir)).code, 0);
    assert.equal((await run(["devices", "add", "phone"], phone)).code, 0);
    const dm = await run(["dm", bob.username, "--encrypted", "--json"], phone);
    assert.equal(dm.code, 0, dm.stderr);
    const { conversation } = JSON.parse(dm.stdout);
    const send = async (text: string) => {
      const sent = await run(["send", `@${bob.username}`, "--encrypted", text], phone);
      assert.equal(sent.code, 0, sent.stderr);
    };
    await send("the eagle lands at noon");
    await send("meet at the bridge");

    // Alice's laptop: a new device, added to the chat at her phone's next send (its wait
    // before looking at her devices again is cleared here to make it now).
    const laptop = loggedIn(server.url, alice);
    const added = await run(["devices", "add", "laptop", "--json"], laptop);
    assert.equal(added.code, 0, added.stderr);
    const laptopId = JSON.parse(added.stdout).id as string;
    const state = join(phone, `e2ee-${alice.id}`, `${conversation.id}.json`);
    writeFileSync(
      state,
      JSON.stringify({ ...JSON.parse(readFileSync(state, "utf8")), checked_at: {} }),
    );
    await send("the laptop reads this");

    const history = ["tail", `@${bob.username}`, "--encrypted", "--history", "10"];
    const beforeShare = start(history, laptop);
    tails.push(beforeShare);
    await waitFor("the laptop's history", beforeShare.stdout, (s) =>
      s.includes("the laptop reads this"),
    );
    assert.match(beforeShare.stdout(), /sent before this device joined/);
    assert.doesNotMatch(beforeShare.stdout(), /the eagle lands at noon/);
    stop(beforeShare);

    // Nothing waits yet; the laptop cannot share from itself to itself.
    const none = await run(["devices", "receive-history"], laptop);
    assert.equal(none.code, 0, none.stderr);
    assert.match(none.stderr, /no history waits for this device/);
    const toItself = await run(["devices", "share-history", laptopId], laptop);
    assert.equal(toItself.code, 1);
    assert.match(toItself.stderr, /refused: .*cannot share history with itself/);

    const shared = await run(
      ["devices", "share-history", laptopId.slice(0, 8), "--conversation", `@${bob.username}`],
      phone,
    );
    assert.equal(shared.code, 0, shared.stderr);
    assert.match(shared.stderr, /shared 3 messages of 1 conversation with laptop/);

    // On the server: ciphertext only.
    const aliceApi = new ApiClient({ baseUrl: server.url, token: alice.token });
    const [waiting] = await aliceApi.historyShares.list(laptopId);
    const sealed = await aliceApi.historyShares.get(laptopId, waiting?.id ?? "");
    assert.ok(!Buffer.from(sealed.archive, "base64url").includes("eagle"));
    // And one that does not check, left under the phone's name.
    const phoneId = (await aliceApi.devices.list()).find((d) => d.name === "phone")?.id ?? "";
    const bytes = (n: number) => randomBytes(n).toString("base64url");
    await aliceApi.historyShares.create(laptopId, {
      from_device_id: phoneId,
      key_package_ref: sealed.key_package_ref,
      enc: bytes(32),
      wrapped_key: bytes(48),
      archive: bytes(64),
      signature: bytes(64),
    });

    const listed = await run(["devices"], laptop);
    assert.match(listed.stderr, /history from another of your devices waits for this one \(2\)/);
    const received = await run(["devices", "receive-history"], laptop);
    assert.equal(received.code, 0, received.stderr);
    assert.match(
      received.stderr,
      new RegExp(`refused and deleted a share from ${phoneId}: .*its signature is not your device`),
    );
    assert.match(received.stderr, /took 1 history share: filled in 2 messages of 1 conversation/);
    assert.deepEqual(await aliceApi.historyShares.list(laptopId), []);

    const afterShare = start(history, laptop);
    tails.push(afterShare);
    await waitFor("the shared history", afterShare.stdout, (s) =>
      s.includes("the laptop reads this"),
    );
    assert.match(afterShare.stdout(), /the eagle lands at noon/);
    assert.match(afterShare.stdout(), /meet at the bridge/);
    assert.doesNotMatch(afterShare.stdout(), /sent before this device joined/);
    stop(afterShare);
  });
});
