/**
 * Every way a device leaves tells the encrypted conversations it was in, on both engines:
 * a person removing one device, and a person deleting their account (every device of
 * theirs, in the direct chats the account stays in). The other member's device then
 * commits their removal; a deleted account's direct chat takes nothing more, so there
 * its devices only forget them.
 */
import assert from "node:assert/strict";
import { it } from "node:test";
import { ApiClient } from "@private-chat/sdk";
import { startEncrypted } from "@private-chat/sdk/mls";
import { apiSuite } from "../helpers/api-suite.js";
import { forEachEngine } from "../helpers/engines.js";
import type { TestUser } from "../helpers/factories.js";
import { b64, type Device, refusal, setUpDevice } from "./device-fixture.js";

forEachEngine("device removals in encrypted conversations", (run) => {
  const { started, users } = apiSuite(run);
  const apiOf = (user: TestUser) =>
    new ApiClient({ baseUrl: started().server.url, token: user.token });

  /** The device.removed events `user` can read, as "conversation user device". */
  async function removalsSeenBy(user: TestUser): Promise<string[]> {
    const sync = await started().api.get<{ events: Record<string, unknown>[] }>(
      "/api/v1/sync?since=0&limit=1000",
      { token: user.token },
    );
    assert.equal(sync.status, 200, sync.text);
    return sync.body.events
      .filter((e) => e.type === "device.removed")
      .map((e) => `${e.conversation_id} ${e.user_id} ${e.device_id}`)
      .sort();
  }

  /** Alice, and Bob with a laptop and a phone, in an encrypted direct chat with both. */
  async function directWithTwoDevices() {
    const [alice, bob] = (await users(2)) as [TestUser, TestUser];
    const [aliceApi, bobApi] = [apiOf(alice), apiOf(bob)];
    const aliceDevice = await setUpDevice(aliceApi, alice.id, "laptop");
    const bobDevices: Device[] = [
      await setUpDevice(bobApi, bob.id, "laptop"),
      await setUpDevice(bobApi, bob.id, "phone"),
    ];
    const { conversation, group } = await startEncrypted(aliceApi, aliceDevice, {
      type: "direct",
      member_ids: [bob.id],
    });
    assert.equal(group.members().length, 3);
    return { alice, bob, aliceApi, bobApi, bobDevices, conversation, group };
  }

  it("a device removed by its owner: each of their encrypted conversations hears of it", async () => {
    const { alice, bob, aliceApi, bobApi, bobDevices, conversation, group } =
      await directWithTwoDevices();
    const phone = (bobDevices[1] as Device).keys.deviceId;
    await bobApi.devices.remove(phone);
    assert.deepEqual(await removalsSeenBy(alice), [`${conversation.id} ${bob.id} ${phone}`]);
    const change = await group.remove([{ userId: bob.id, deviceId: phone }]);
    const sent = await aliceApi.sendMessage(conversation.id, { body: b64(change.commit), mls: {} });
    assert.equal(sent.mls?.kind, "commit");
    await group.receive(change.commit);
    assert.equal(group.members().length, 2);
  });

  it("an account deleted: every device of it, in the direct chats it stays in", async () => {
    const { alice, bob, aliceApi, bobApi, bobDevices, conversation, group } =
      await directWithTwoDevices();
    // Devices in no encrypted conversation of Bob's tell nobody else.
    const [stranger] = (await users(1)) as [TestUser];
    await bobApi.deleteAccount(bob.password);
    const ids = bobDevices.map((d) => d.keys.deviceId);
    assert.deepEqual(
      await removalsSeenBy(alice),
      ids.map((id) => `${conversation.id} ${bob.id} ${id}`).sort(),
    );
    assert.deepEqual(await removalsSeenBy(stranger), []);
    // The chat takes nothing more, a commit neither: its devices drop Bob's keys alone.
    const change = await group.remove(ids.map((deviceId) => ({ userId: bob.id, deviceId })));
    await assert.rejects(
      aliceApi.sendMessage(conversation.id, { body: b64(change.commit), mls: {} }),
      refusal("account_deleted", 410),
    );
  });
});
