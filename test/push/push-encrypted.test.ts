/**
 * Web Push for end-to-end encrypted conversations, on both engines, against the push
 * service double: a message's push carries no content even with `include_content` on
 * (the server holds only ciphertext), and a change to the group's keys pushes nothing.
 */
import assert from "node:assert/strict";
import { it } from "node:test";
import { ApiClient } from "@private-chat/sdk";
import { EncryptedGroup, type HeldKeyPackage } from "@private-chat/sdk/mls";
import { b64, setUpDevice } from "../e2ee/device-fixture.js";
import { forEachEngine } from "../helpers/engines.js";
import { trustedCert } from "../helpers/trusted-cert.js";
import { pushSuite } from "./push-fixture.js";

const tls = trustedCert();

if (tls) {
  forEachEngine("Web Push of encrypted conversations", (run) => {
    const { double, started, users, subscribe } = pushSuite(run, tls);

    it("pushes a message with no content, and a commit not at all", async () => {
      const [alice, bob] = await users(2);
      assert.ok(alice && bob);
      const url = started().server.url;
      const aliceApi = new ApiClient({ baseUrl: url, token: alice.token });
      const bobApi = new ApiClient({ baseUrl: url, token: bob.token });
      const laptop = await setUpDevice(aliceApi, alice.id, "laptop");
      await setUpDevice(bobApi, bob.id, "phone");
      const bobs = await subscribe(bob);
      const conversation = await aliceApi.createConversation({
        type: "group",
        title: "Secret project",
        member_ids: [bob.id],
        encrypted: true,
      });
      const group = await EncryptedGroup.create(
        laptop.keys,
        conversation.id,
        laptop.held[1] as HeldKeyPackage,
      );
      const claimed = await aliceApi.devices.claimKeyPackages(bob.id);
      const change = await group.add(claimed.map((c) => Buffer.from(c.key_package, "base64url")));
      await aliceApi.sendMessage(conversation.id, {
        body: b64(change.commit),
        mls: { welcome: b64(change.welcome as Uint8Array) },
      });
      await group.receive(change.commit);
      const sealed = await group.encrypt(new TextEncoder().encode("the launch is on friday"));
      const sent = await aliceApi.sendMessage(conversation.id, { body: b64(sealed), mls: {} });
      const push = await double.next((p) => p.subscriber === bobs.id);
      assert.deepEqual(push.payload, {
        type: "message",
        conversation_id: conversation.id,
        title: "New message",
        message_id: sent.id,
        seq: sent.seq,
      });
      // The commit came first and was pushed to nobody.
      assert.equal(double.received.filter((p) => p.subscriber === bobs.id).length, 1);
    });
  });
}
