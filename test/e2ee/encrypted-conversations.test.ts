/**
 * Encrypted conversations through the server, on both engines: devices made by the SDK's
 * MLS layer set up a group in a conversation created with `encrypted: true`, send their
 * commits, welcomes and messages as the conversation's messages, and read them back in
 * the server's order. The server takes one commit per epoch, refuses plain text, and
 * never holds the plaintext.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { it } from "node:test";
import type { MessageView } from "@private-chat/protocol/chat";
import { ApiClient, ApiError } from "@private-chat/sdk";
import {
  EncryptedGroup,
  type HeldKeyPackage,
  joinFromHistory,
  sendEncrypted,
  startEncrypted,
} from "@private-chat/sdk/mls";
import { writeWithEvents } from "../../src/events/log.js";
import { eraseMessage } from "../../src/messages/erase.js";
import { erasureChecks, uniqueWord } from "../api/erasure-fixture.js";
import { apiSuite } from "../helpers/api-suite.js";
import { forEachEngine } from "../helpers/engines.js";
import { b64, type Device, refusal, setUpDevice } from "./device-fixture.js";

const text = (s: string) => new TextEncoder().encode(s);
const bytes = (s: string) => new Uint8Array(Buffer.from(s, "base64url"));

forEachEngine("encrypted conversations through the server", (run) => {
  const { started, users } = apiSuite(run, { integrations: { users_can_create_bots: true } });
  const checks = erasureChecks(() => started());

  /** Three people with a device each, in a new encrypted group the first one sets up. */
  async function encryptedGroup() {
    const { server } = started();
    const people = await users(3);
    const apis = people.map((u) => new ApiClient({ baseUrl: server.url, token: u.token }));
    const [alice, bob, carol] = people as [
      (typeof people)[0],
      (typeof people)[0],
      (typeof people)[0],
    ];
    const [aliceApi, bobApi, carolApi] = apis as [ApiClient, ApiClient, ApiClient];
    const devices: Device[] = [];
    for (const [i, api] of apis.entries())
      devices.push(await setUpDevice(api, people[i]?.id as string, "laptop"));
    const [aliceDevice] = devices as [Device];
    const { conversation, group, setup } = await startEncrypted(aliceApi, aliceDevice, {
      type: "group",
      title: "secret plans",
      member_ids: [bob.id, carol.id],
    });
    assert.equal(conversation.encrypted, true);
    assert.equal(conversation.mls_epoch, 0);
    assert.equal(setup?.client_id, "setup");
    assert.equal(setup?.mls?.kind, "commit");
    assert.equal(setup?.mls?.epoch, 0);
    assert.ok(setup?.mls?.welcome);
    assert.equal(group.epoch, 1n);
    return { alice, bob, carol, aliceApi, bobApi, carolApi, devices, conversation, group };
  }

  /**
   * Applies every MLS message of the history after `afterSeq`, in the server's order,
   * but the device's own messages (`sent`), which MLS does not let their sender open.
   */
  async function catchUp(
    api: ApiClient,
    conversationId: string,
    group: EncryptedGroup,
    afterSeq: number,
    sent: Set<string> = new Set(),
  ): Promise<{ plaintexts: string[]; last: number }> {
    const plaintexts: string[] = [];
    let last = afterSeq;
    for (const message of await api.history(conversationId, { after: afterSeq })) {
      last = message.seq;
      if (!message.mls || message.deleted || sent.has(message.id)) continue;
      const got = await group.receive(bytes(message.body));
      if (got.kind === "message") plaintexts.push(new TextDecoder().decode(got.plaintext));
    }
    return { plaintexts, last };
  }

  it("orders the group's commits and messages, which members read and the server cannot", async () => {
    const { bob, carol, aliceApi, bobApi, carolApi, devices, conversation, group } =
      await encryptedGroup();
    const secret = uniqueWord("plaintext");
    const setupSeq = (await aliceApi.history(conversation.id)).at(-1)?.seq ?? 0;
    const bobGroup = await joinFromHistory(bobApi, conversation.id, devices[1] as Device);
    const carolGroup = await joinFromHistory(carolApi, conversation.id, devices[2] as Device);
    assert.deepEqual(
      bobGroup
        .members()
        .map((m) => m.userId)
        .sort(),
      group
        .members()
        .map((m) => m.userId)
        .sort(),
    );

    const sealed = await group.encrypt(text(`${secret} from alice`));
    const message = await aliceApi.sendMessage(conversation.id, {
      body: b64(sealed),
      mls: {},
      client_id: "first",
    });
    assert.deepEqual(message.mls, { kind: "application", epoch: 1 });
    // A repeated client_id stores nothing new, as for any message.
    const again = await aliceApi.sendMessage(conversation.id, {
      body: b64(sealed),
      mls: {},
      client_id: "first",
    });
    assert.equal(again.id, message.id);
    const bobs = await sendEncrypted(bobApi, conversation.id, bobGroup, `${secret} from bob`);
    assert.deepEqual(bobs.mls, { kind: "application", epoch: 1 });

    assert.deepEqual((await catchUp(carolApi, conversation.id, carolGroup, setupSeq)).plaintexts, [
      `${secret} from alice`,
      `${secret} from bob`,
    ]);
    const bobReads = await catchUp(
      bobApi,
      conversation.id,
      bobGroup,
      message.seq - 1,
      new Set([bobs.id]),
    );
    assert.deepEqual(bobReads.plaintexts, [`${secret} from alice`]);

    // Nothing the server stores, logs or answers holds the plaintext.
    const { server } = started();
    assert.equal(await checks.searchFinds(bob, secret), 0);
    assert.ok(!(await checks.syncText(carol)).includes(secret));
    assert.ok(!readFileSync(server.logFile, "utf8").includes(secret));
    const files = await checks.fileBytes();
    if (files) assert.ok(!files.includes(secret));
    assert.equal((await aliceApi.conversation(conversation.id)).mls_epoch, 1);
  });

  it("takes one commit per epoch: the second is refused, and its device redoes it", async () => {
    const { bob, carol, bobApi, carolApi, devices, conversation, group } = await encryptedGroup();
    const setupSeq = (await bobApi.history(conversation.id)).at(-1)?.seq ?? 0;
    const bobGroup = await joinFromHistory(bobApi, conversation.id, devices[1] as Device);
    const carolGroup = await joinFromHistory(carolApi, conversation.id, devices[2] as Device);
    const bobTablet = await setUpDevice(bobApi, bob.id, "tablet");
    const carolPhone = await setUpDevice(carolApi, carol.id, "phone");
    const bobAdd = await bobGroup.add([bobTablet.held[2]?.encoded as Uint8Array]);
    const carolAdd = await carolGroup.add([carolPhone.held[2]?.encoded as Uint8Array]);
    const send = (api: ApiClient, change: typeof bobAdd) =>
      api.sendMessage(conversation.id, {
        body: b64(change.commit),
        mls: { welcome: b64(change.welcome as Uint8Array) },
      });
    const results = await Promise.allSettled([send(bobApi, bobAdd), send(carolApi, carolAdd)]);
    const won = results.filter((r) => r.status === "fulfilled");
    const lost = results.filter((r) => r.status === "rejected");
    assert.equal(won.length, 1);
    assert.equal(lost.length, 1);
    const error = (lost[0] as PromiseRejectedResult).reason;
    assert.ok(error instanceof ApiError && error.code === "epoch_conflict", String(error));
    assert.equal(error.status, 409);
    assert.deepEqual(error.details, { epoch: 2 });

    // Every device applies the winner's commit; the loser's device drops its own and redoes it.
    const carolWon = results[1]?.status === "fulfilled";
    const [winner, loser] = carolWon ? [carolGroup, bobGroup] : [bobGroup, carolGroup];
    const [loserApi, loserDevice] = carolWon ? [bobApi, bobTablet] : [carolApi, carolPhone];
    for (const [api, g] of [
      [bobApi, bobGroup],
      [carolApi, carolGroup],
    ] as const) {
      await catchUp(api, conversation.id, g, setupSeq);
    }
    await catchUp(bobApi, conversation.id, group, setupSeq);
    assert.equal(winner.epoch, 2n);
    assert.equal(loser.changePending, false);
    assert.equal(loser.epoch, 2n);
    const redo = await loser.add([loserDevice.held[3]?.encoded as Uint8Array]);
    const redone = await loserApi.sendMessage(conversation.id, {
      body: b64(redo.commit),
      mls: { welcome: b64(redo.welcome as Uint8Array) },
    });
    assert.equal(redone.mls?.epoch, 2);
    for (const g of [group, winner, loser]) {
      await catchUp(bobApi, conversation.id, g, redone.seq - 1);
      assert.equal(g.epoch, 3n);
    }
    assert.deepEqual(Buffer.from(group.epochAuthenticator), Buffer.from(loser.epochAuthenticator));
    // A commit replayed for an epoch already taken is refused too.
    await assert.rejects(
      bobApi.sendMessage(conversation.id, { body: b64(redo.commit), mls: {} }),
      refusal("epoch_conflict"),
    );
  });

  it("refuses plain text, edits and reactions in an encrypted conversation, and MLS elsewhere", async () => {
    const { aliceApi, bobApi, conversation, group } = await encryptedGroup();
    const plainSend = aliceApi.sendMessage(conversation.id, { body: "in the clear" });
    await assert.rejects(plainSend, refusal("encryption_required", 400));
    const sealed = await group.encrypt(text("sealed"));
    const message = await aliceApi.sendMessage(conversation.id, { body: b64(sealed), mls: {} });
    await assert.rejects(
      aliceApi.editMessage(message.id, "changed"),
      refusal("encryption_required"),
    );
    await assert.rejects(bobApi.react(message.id, "👍"), refusal("encryption_required"));
    // Replies and threads point inside the encrypted content, not beside it.
    await assert.rejects(
      aliceApi.sendMessage(conversation.id, { body: b64(sealed), mls: {}, reply_to: message.id }),
      refusal("invalid_request"),
    );
    const plain = await aliceApi.createConversation({
      type: "group",
      title: "open",
      member_ids: [],
    });
    await assert.rejects(
      aliceApi.sendMessage(plain.id, { body: b64(sealed), mls: {} }),
      refusal("invalid_request"),
    );
    // Someone outside learns nothing: the same answer as a conversation that does not exist.
    const [stranger] = await users(1);
    const strangerApi = new ApiClient({ baseUrl: started().server.url, token: stranger?.token });
    const refusedForMembers = [
      { body: "hello" },
      { body: b64(sealed), mls: {} },
      { body: "not an MLS message", mls: {} },
      { body: b64(sealed), mls: {}, reply_to: message.id },
    ];
    for (const body of refusedForMembers) {
      await assert.rejects(
        strangerApi.sendMessage(conversation.id, body),
        refusal("not_found", 404),
      );
      await assert.rejects(strangerApi.sendMessage("no-such-id", body), refusal("not_found", 404));
    }
  });

  it("refuses what is not one whole MLS message of this conversation's group, never a 500", async () => {
    const { alice, bob, aliceApi, bobApi, conversation, group, devices } = await encryptedGroup();
    const tablet = await setUpDevice(bobApi, bob.id, "tablet");
    const sealed = await group.encrypt(text("sealed"));
    const other = await EncryptedGroup.create(
      (devices[0] as Device).keys,
      "another-conversation",
      (devices[0] as Device).held[2] as HeldKeyPackage,
    );
    const elsewhere = await other.encrypt(text("elsewhere"));
    const change = await group.add([tablet.held[1]?.encoded as Uint8Array]);
    group.dropPending();
    const cases: { body: string; welcome?: string }[] = [
      { body: "not base64!" },
      { body: `${b64(sealed)}=` },
      { body: b64(text("garbage that is no MLS message")) },
      { body: b64(sealed.subarray(0, sealed.length - 1)) },
      { body: b64(Buffer.concat([sealed, Buffer.from([0])])) },
      { body: b64(elsewhere) },
      { body: b64(change.welcome as Uint8Array) },
      { body: b64((devices[1] as Device).held[0]?.encoded as Uint8Array) },
      { body: b64(sealed), welcome: b64(change.welcome as Uint8Array) },
      { body: b64(change.commit), welcome: b64(sealed) },
      { body: b64(change.commit), welcome: "%%" },
    ];
    for (const { body, welcome } of cases) {
      const res = await started().api.post(
        `/api/v1/conversations/${conversation.id}/messages`,
        { body, mls: welcome === undefined ? {} : { welcome } },
        { token: alice.token },
      );
      assert.equal(res.status, 400, `${body.slice(0, 20)}: ${res.text}`);
    }
    // None of them moved the group on.
    assert.equal((await aliceApi.conversation(conversation.id)).mls_epoch, 1);
  });

  it("keeps bots out and encrypted groups to 200 members; direct chats have their own", async () => {
    const { server } = started();
    const [alice, bob] = await users(2);
    const aliceApi = new ApiClient({ baseUrl: server.url, token: alice?.token });
    const { bot } = await aliceApi.integrations.createBot({ username: uniqueWord("bot") });
    await assert.rejects(
      aliceApi.createConversation({
        type: "group",
        title: "t",
        member_ids: [bot.id],
        encrypted: true,
      }),
      refusal("encryption_required"),
    );
    const group = await aliceApi.createConversation({
      type: "group",
      title: "t",
      member_ids: [],
      encrypted: true,
    });
    await assert.rejects(aliceApi.addMembers(group.id, [bot.id]), refusal("encryption_required"));
    const many = Array.from({ length: 200 }, (_, i) => `someone-${i}`);
    await assert.rejects(
      aliceApi.createConversation({ type: "group", title: "t", member_ids: many, encrypted: true }),
      refusal("invalid_request"),
    );
    // An encrypted direct chat is another chat than the plain one with the same person.
    const plain = await aliceApi.createConversation({
      type: "direct",
      member_ids: [bob?.id as string],
    });
    const sealed = await aliceApi.createConversation({
      type: "direct",
      member_ids: [bob?.id as string],
      encrypted: true,
    });
    assert.notEqual(plain.id, sealed.id);
    assert.equal(plain.encrypted, undefined);
    assert.equal(sealed.encrypted, true);
    const again = await aliceApi.createConversation({
      type: "direct",
      member_ids: [bob?.id as string],
      encrypted: true,
    });
    assert.equal(again.id, sealed.id);
  });

  it("tells the members of a removed device, whose removal a member's device commits", async () => {
    const { alice, bob, aliceApi, bobApi, devices, conversation, group } = await encryptedGroup();
    const bobGroup = await joinFromHistory(bobApi, conversation.id, devices[1] as Device);
    const bobDevice = (devices[1] as Device).keys.deviceId;
    await bobApi.devices.remove(bobDevice);
    const sync = await started().api.get<{ events: Record<string, unknown>[] }>(
      "/api/v1/sync?since=0&limit=1000",
      { token: alice.token },
    );
    const told = sync.body.events.some(
      (e) =>
        e.type === "device.removed" &&
        e.conversation_id === conversation.id &&
        e.user_id === bob.id &&
        e.device_id === bobDevice,
    );
    assert.ok(told, "alice hears of bob's removed device");
    const before = (await aliceApi.history(conversation.id)).at(-1)?.seq ?? 0;
    const change = await group.remove([{ userId: bob.id, deviceId: bobDevice }]);
    await aliceApi.sendMessage(conversation.id, { body: b64(change.commit), mls: {} });
    await catchUp(aliceApi, conversation.id, group, before);
    const after = await group.encrypt(text("after the removal"));
    await aliceApi.sendMessage(conversation.id, { body: b64(after), mls: {} });
    // The removed device's state applies the commit that removed it, then reads nothing.
    await assert.rejects(catchUp(bobApi, conversation.id, bobGroup, before));
  });

  it("keeps a commit its author deletes; an erasure takes its welcome with its body", async () => {
    const { aliceApi, bobApi, conversation, group } = await encryptedGroup();
    // An application message is deleted as any other.
    const sent = await sendEncrypted(aliceApi, conversation.id, group, "to be deleted");
    assert.equal((await aliceApi.deleteMessage(sent.id)).deleted, true);
    const [setup] = (await aliceApi.history(conversation.id)).filter(
      (m: MessageView) => m.mls?.kind === "commit",
    );
    assert.ok(setup?.mls?.welcome);
    // Every device applies every commit in order: one deleted would stop those behind.
    await assert.rejects(aliceApi.deleteMessage(setup.id), refusal("forbidden", 403));
    const [kept] = (await bobApi.history(conversation.id)).filter((m) => m.id === setup.id);
    assert.equal(kept?.mls?.welcome, setup.mls.welcome);
    // The retention sweep and a deleted account's erasure still take it, welcome and all.
    const { server } = started();
    await writeWithEvents(server.ctx.store, server.ctx.events, async (tx, log) => {
      const row = await tx.messages.byId(setup.id);
      assert.ok(row);
      await eraseMessage(tx, log, row, null, Date.now());
    });
    const [after] = (await bobApi.history(conversation.id)).filter((m) => m.id === setup.id);
    assert.equal(after?.deleted, true);
    assert.equal(after?.body, "");
    assert.deepEqual(after?.mls, { kind: "commit", epoch: 0 });
    const files = await checks.fileBytes();
    if (files) assert.ok(!files.includes(setup.mls.welcome));
  });
});
