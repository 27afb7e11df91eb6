/**
 * Sharing history between a person's own devices with the SDK (history-share.ts and
 * history-share-flow.ts), against a real server on both engines: Alice's first device
 * shares what it read of an encrypted chat with Bob to her second device, which opens it
 * and forgets the key package it used; the server holds ciphertext only. A share changed
 * on the way, and one signed by a key that is not her device's (a server forging one), are
 * refused with a reason and deleted; so is one from a device that is not hers.
 */
import assert from "node:assert/strict";
import { it } from "node:test";
import type { HistoryArchive } from "@private-chat/protocol/history-shares";
import { ApiClient, type MessageView } from "@private-chat/sdk";
import {
  archivesOf,
  EncryptedChat,
  fromBase64Url,
  HistoryShareRefused,
  heldPackageOf,
  openHistoryShare,
  type RegisteredDevice,
  sealHistoryShare,
  sharedMessages,
  shareHistory,
  takeHistoryShares,
  toBase64Url,
} from "@private-chat/sdk/mls";
import { apiSuite } from "../helpers/api-suite.js";
import { forEachEngine } from "../helpers/engines.js";
import type { TestUser } from "../helpers/factories.js";
import { memoryStates, setUpDevice } from "./device-fixture.js";

forEachEngine("history shared between one's devices (SDK)", (run) => {
  const { started, users } = apiSuite(run);
  const apiOf = (user: TestUser) =>
    new ApiClient({ baseUrl: started().server.url, token: user.token });
  const history = (api: ApiClient, id: string): Promise<MessageView[]> =>
    api.history(id, { after: 0, limit: 100 });
  /** A device's store in memory, as an app keeps it in a file or IndexedDB. */
  const storeOf = (device: RegisteredDevice) => {
    const box = { device };
    const save = (d: RegisteredDevice) => {
      box.device = d;
    };
    return { box, load: () => box.device, save };
  };

  /** Alice's first device in an encrypted chat with Bob, a few messages read both ways. */
  async function chatWithBob() {
    const [a, b] = (await users(2)) as [TestUser, TestUser];
    const [aliceApi, bobApi] = [apiOf(a), apiOf(b)];
    const first = await setUpDevice(aliceApi, a.id, "phone");
    const bobDevice = await setUpDevice(bobApi, b.id, "bob's");
    const states = memoryStates();
    const conversation = await aliceApi.createConversation({
      type: "direct",
      member_ids: [b.id],
      encrypted: true,
    });
    const aliceChat = new EncryptedChat(aliceApi, first, conversation, states);
    const bobChat = new EncryptedChat(bobApi, bobDevice, conversation, memoryStates());
    await aliceChat.send("the eagle lands at noon", "s-1");
    await bobChat.read(await history(bobApi, conversation.id));
    await bobChat.send("copy that", "s-2");
    await aliceChat.read(await history(aliceApi, conversation.id));
    const messages = states.saved.get(conversation.id)?.messages ?? assert.fail("no state");
    return { a, b, aliceApi, bobApi, first, bobDevice, conversation, messages };
  }

  it("the second device opens what the first shared, and uses its key package once", async () => {
    const { a, aliceApi, first, conversation, messages } = await chatWithBob();
    const second = await setUpDevice(aliceApi, a.id, "laptop");
    const shared = await shareHistory(aliceApi, first.keys, second.keys.deviceId, {
      [conversation.id]: messages,
    });
    assert.deepEqual(shared, { shares: 1, conversations: 1, messages: 2 });

    // On the server: ciphertext only.
    const [waiting] = await aliceApi.historyShares.list(second.keys.deviceId);
    const raw = await aliceApi.historyShares.get(second.keys.deviceId, waiting?.id ?? "");
    assert.ok(!Buffer.from(raw.archive, "base64url").includes("eagle"));
    const used = await heldPackageOf(second, raw.key_package_ref);
    assert.ok(used && used !== second.held[0], "sealed to a package of the pool");

    const store = storeOf(second);
    const kept: HistoryArchive[] = [];
    const taken = await takeHistoryShares(aliceApi, store, async (archive) => {
      kept.push(archive);
    });
    assert.deepEqual(
      taken.map((t) => t.refused),
      [undefined],
    );
    const texts = Object.values(kept[0]?.conversations[conversation.id] ?? {}).map((m) => m.text);
    assert.deepEqual(texts, ["the eagle lands at noon", "copy that"]);
    // The package it opened with is forgotten; the others and the last-resort one stay.
    assert.equal(store.box.device.held.length, second.held.length - 1);
    assert.equal(await heldPackageOf(store.box.device, raw.key_package_ref), undefined);
    assert.equal(store.box.device.held[0], second.held[0]);
    // And the share is gone from the server.
    assert.deepEqual(await aliceApi.historyShares.list(second.keys.deviceId), []);
    // The same share again (a server replaying it) no longer opens.
    await assert.rejects(
      openHistoryShare(store.box.device, raw, await aliceApi.devices.list()),
      (err) => err instanceof HistoryShareRefused && /no longer holds/.test(err.message),
    );
  });

  it("refuses a share changed on the way, or signed by a key that is not her device's", async () => {
    const { a, aliceApi, first, bobDevice, conversation, messages } = await chatWithBob();
    const second = await setUpDevice(aliceApi, a.id, "laptop");
    const to = second.keys.deviceId;
    const target = (await aliceApi.devices.list()).find((d) => d.id === to) ?? assert.fail();
    const [archive] = archivesOf({ [conversation.id]: sharedMessages(messages) });
    const seal = async (keys: RegisteredDevice["keys"]) => {
      const [claimed] = await aliceApi.devices.claimKeyPackages(a.id, to);
      return sealHistoryShare(keys, target, fromBase64Url(claimed?.key_package ?? ""), archive!);
    };

    // One byte of the archive flipped after signing.
    const tampered = await seal(first.keys);
    const bytes = fromBase64Url(tampered.archive);
    bytes[20] = (bytes[20] ?? 0) ^ 1;
    await aliceApi.historyShares.create(to, { ...tampered, archive: toBase64Url(bytes) });
    // Sealed and signed with Bob's key, claiming to come from her first device.
    const forged = await seal({ ...bobDevice.keys, userId: a.id, deviceId: first.keys.deviceId });
    await aliceApi.historyShares.create(to, forged);

    const store = storeOf(second);
    const kept: HistoryArchive[] = [];
    const taken = await takeHistoryShares(aliceApi, store, async (got) => {
      kept.push(got);
    });
    assert.equal(kept.length, 0, "nothing refused is kept");
    assert.deepEqual(
      taken.map((t) => t.refused),
      [
        `the history share is refused: its signature is not your device ${first.keys.deviceId}'s`,
        `the history share is refused: its signature is not your device ${first.keys.deviceId}'s`,
      ],
    );
    assert.deepEqual(await aliceApi.historyShares.list(to), [], "refused shares are deleted");
    assert.equal(store.box.device.held.length, second.held.length, "no package used up");

    // A share that names a device not hers as its sender (the server could write any):
    // refused before anything is opened, whatever its signature.
    const fromBob = await seal({ ...bobDevice.keys, userId: a.id });
    const view = {
      ...fromBob,
      id: "forged",
      to_device_id: to,
      bytes: 0,
      created_at: 0,
      expires_at: 0,
    };
    await assert.rejects(
      openHistoryShare(second, view, await aliceApi.devices.list()),
      (err) =>
        err instanceof HistoryShareRefused &&
        err.message ===
          `the history share is refused: its sender ${bobDevice.keys.deviceId} is no other device of yours`,
    );
  });
});
