/**
 * A browser made one of the person's devices in Settings reads and writes an end-to-end
 * encrypted conversation (docs/E2EE.md, "The browser's store"): a message sent to it from
 * another person's device opens in its timeline, what it types is encrypted before it
 * leaves and opens on the other device, edits, reactions and replies travel encrypted both
 * ways and show folded into the messages they change (a thread reply as its root's count:
 * encrypted-threads.test.ts has the thread's panel),
 * a new message shows its plaintext in the list's preview and the notice of it while
 * another conversation is on screen, the server holds ciphertext only, and axe-core finds
 * nothing on the conversation with its encrypted message box and its reply bar. Verifying
 * Bob from the member list shows the safety number the SDK (and so `chat-client verify`)
 * makes for the pair; the mark holds until Bob's devices change. A pinned message shows
 * its plaintext in the group's info.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { ApiClient } from "@private-chat/sdk";
import {
  EncryptedChat,
  foldMessages,
  fromBase64Url,
  type RegisteredDevice,
  registerDevice,
  safetyNumber,
} from "@private-chat/sdk/mls";
import type { Page } from "playwright-core";
import { memoryStates } from "../e2ee/device-fixture.js";
import type { TestUser } from "../helpers/factories.js";
import {
  bobsGroup,
  type DeviceFixture,
  makeBrowserADevice,
  messageItem,
  startDeviceFixture,
  stopDeviceFixture,
} from "./encrypted-device-fixture.js";
import { conversationLink, gone, messageList, passesAxe, visible } from "./helpers.js";

// Room for a loaded machine: each axe run checks two widths in two colour schemes.
describe("this browser as a device in an encrypted conversation", { timeout: 600_000 }, () => {
  let fixture: DeviceFixture;
  let page: Page;
  let alice: TestUser;
  let bob: TestUser;
  let bobChat: EncryptedChat;
  let bobDevice: RegisteredDevice;
  let bobApi: ApiClient;
  let conversationId: string;
  const toAlice = "hello alice, word 9c1e";
  const toBob = "hi bob, word 4d2b";
  const answer = "an answer, word 3d7e";
  const item = (text: string) => messageItem(page, text);

  before(async () => {
    fixture = await startDeviceFixture();
    ({ page, alice, bob, bobApi } = fixture);
  });

  after(() => stopDeviceFixture(fixture));

  it("becomes Alice's device in Settings", async () => {
    await makeBrowserADevice(page);
  });

  it("opens what Bob's device sends it", async () => {
    ({ bobDevice, bobChat, conversationId } = await bobsGroup(fixture, "Pair"));
    await bobChat.send(toAlice, "to-alice");

    await conversationLink(page, "Pair").click();
    await visible(messageList(page).getByText(toAlice));
  });

  it("encrypts what Alice types, and Bob's device opens it", async () => {
    const box = page.getByLabel("Encrypted message", { exact: true });
    await box.fill(toBob);
    await box.press("Enter");
    await visible(messageList(page).getByText(toBob));
    const history = await bobApi.history(conversationId, { after: 0, limit: 100 });
    const read = await bobChat.read(history);
    assert.deepEqual(
      read.map(({ kept }) => (kept && "text" in kept ? kept.text : "?")),
      [toAlice, toBob],
    );
    const onServer = JSON.stringify(history);
    assert.equal(onServer.includes(toAlice) || onServer.includes(toBob), false);
    await passesAxe(page, "an encrypted conversation on this browser's device");
  });

  it("folds edits, reactions and replies both ways, each sent encrypted", async () => {
    const first = "first words, word 7a3c";
    const edited = "better words, word 8b4d";
    const reply = "a reply, word 1e5f";
    const inThread = "in its thread, word 6c2a";
    const aliceEdited = "hi bob, edited, word 2f9a";
    const before = await bobApi.history(conversationId, { after: 0, limit: 100 });
    const aliceSeq = (await bobChat.read(before)).find(
      ({ kept }) => kept && "text" in kept && kept.text === toBob,
    )?.message.seq;
    assert.ok(aliceSeq);
    const sent = await bobChat.send(first, "bob-first");
    await bobChat.sendContent({ kind: "edit", target: sent.seq, body: edited }, "bob-edit");
    await bobChat.sendContent(
      { kind: "reaction", target: aliceSeq, emoji: "🎉", action: "added" },
      "bob-react",
    );
    await bobChat.sendContent({ kind: "text", body: reply, reply_to: aliceSeq }, "bob-reply");
    await bobChat.sendContent(
      { kind: "text", body: inThread, thread_root: sent.seq },
      "bob-thread",
    );

    await visible(item(reply).getByText(toBob));
    await visible(item(edited).getByRole("link", { name: /^1 reply/ }));
    await visible(item(edited).getByText("(edited)"));
    await visible(item(toBob).getByRole("button", { name: "🎉 1" }));
    const list = messageList(page);
    assert.equal(await list.getByText(first).count(), 0, "the words edited away");
    assert.equal(await list.getByText(inThread).count(), 0, "in its thread only");
    assert.equal(await list.getByText(/\[(edit of|reacted)/).count(), 0, "no line of its own");

    // Alice edits her message from the keyboard, and reacts to Bob's.
    await item(toBob).getByRole("button", { name: "Edit", exact: true }).focus();
    await page.keyboard.press("Enter");
    await visible(page.getByText("Editing message"));
    const box = page.getByLabel("Encrypted message", { exact: true });
    assert.equal(await box.inputValue(), toBob);
    await box.fill(aliceEdited);
    await box.press("Enter");
    await visible(item(aliceEdited).getByText("(edited)"));
    const bobs = item(edited);
    await bobs.hover();
    await bobs.getByRole("button", { name: "React", exact: true }).click();
    await bobs.getByRole("button", { name: "React 👍" }).click();
    const thumbs = bobs.getByRole("button", { name: "👍 1" });
    await visible(thumbs);
    assert.equal(await thumbs.getAttribute("aria-pressed"), "true");
    await passesAxe(page, "an encrypted conversation with an edit and reactions");

    const history = await bobApi.history(conversationId, { after: 0, limit: 100 });
    const shown = foldMessages(await bobChat.read(history)).flatMap(({ shown }) =>
      shown.kind === "text" ? [shown] : [],
    );
    const alices = shown.find((s) => s.body === aliceEdited);
    assert.ok(alices?.edited_at, "Bob's device applies Alice's edit");
    assert.deepEqual(alices.reactions, [{ emoji: "🎉", count: 1, user_ids: [bob.id] }]);
    assert.deepEqual(shown.find((s) => s.body === edited)?.reactions, [
      { emoji: "👍", count: 1, user_ids: [alice.id] },
    ]);
    assert.equal(shown.find((s) => s.body === reply)?.reply_to, aliceSeq);
    const onServer = JSON.stringify(history);
    for (const words of [first, edited, reply, inThread, aliceEdited, "🎉", "👍"])
      assert.equal(onServer.includes(words), false, `"${words}" is not on the server`);
  });

  it("replies from the browser, as Bob's device reads", async () => {
    const replying = page.getByText(`Replying to ${bob.username}`);
    await item(toAlice).getByRole("button", { name: "Reply", exact: true }).focus();
    await page.keyboard.press("Enter");
    await visible(replying);
    await passesAxe(page, "an encrypted conversation with the reply bar open");
    // The box has the focus: the reply goes on from the keyboard.
    await page.keyboard.type(answer);
    await page.keyboard.press("Enter");
    await visible(item(answer).getByText(toAlice));
    await gone(replying);

    const history = await bobApi.history(conversationId, { after: 0, limit: 100 });
    const shown = foldMessages(await bobChat.read(history));
    const seqOf = (body: string) =>
      shown.find((s) => s.shown.kind === "text" && s.shown.body === body)?.message.seq;
    const textOf = (body: string) =>
      shown.flatMap(({ shown }) =>
        shown.kind === "text" && shown.body === body ? [shown] : [],
      )[0];
    assert.ok(seqOf(toAlice));
    assert.equal(textOf(answer)?.reply_to, seqOf(toAlice), "the reply names Bob's message");
  });

  it("creates an encrypted group with the switch, set up on this browser's device", async () => {
    const secret = "the new plan, word 5e6f";
    await page.getByRole("link", { name: "New chat" }).click();
    await page.getByRole("button", { name: "Group" }).click();
    await page.getByLabel("Group name").fill("Secret plans");
    await page.getByLabel("Add people").fill(bob.username);
    await page.getByRole("button", { name: `Add @${bob.username}` }).click();
    await page.getByRole("checkbox", { name: "End-to-end encrypted" }).check();
    await passesAxe(page, "a new chat with the end-to-end switch");
    await page.getByRole("button", { name: "Create group with 2 people" }).click();
    await visible(page.getByRole("heading", { name: "Secret plans (end-to-end encrypted)" }));
    const box = page.getByLabel("Encrypted message", { exact: true });
    await box.fill(secret);
    await box.press("Enter");
    await visible(messageList(page).getByText(secret));

    const [conversation] = (await bobApi.conversations()).filter((c) => c.title === "Secret plans");
    assert.equal(conversation?.encrypted, true);
    const chat = new EncryptedChat(bobApi, bobDevice, conversation!, memoryStates());
    const read = await chat.read(await bobApi.history(conversation!.id, { after: 0, limit: 100 }));
    assert.deepEqual(
      read.map(({ kept }) => (kept && "text" in kept ? kept.text : "?")),
      [secret],
    );
  });

  it("shows a new message's plaintext in the list and its notice, another conversation on screen", async () => {
    const news = "news for the list, word 4a8c";
    await bobChat.send(news, "bob-news");
    await visible(conversationLink(page, "Pair").getByText(`${bob.username}: ${news}`));
    await page
      .getByRole("log", { name: "Incoming messages" })
      .getByText(`${bob.username} in Pair: ${news}`)
      .waitFor({ state: "attached" });
    const onServer = JSON.stringify(await bobApi.history(conversationId, { after: 0, limit: 100 }));
    for (const words of [news, answer])
      assert.equal(onServer.includes(words), false, `"${words}" is not on the server`);
  });

  it("verifies Bob with the safety number both apps make, until his devices change", async () => {
    const bobName = (await bobApi.me()).display_name;
    // A pin shows its plaintext in the group's info, opened by this browser's device.
    const history = await bobApi.history(conversationId, { after: 0, limit: 100 });
    const read = await bobChat.read(history);
    const first = read.find(({ kept }) => kept && "text" in kept && kept.text === toAlice);
    await bobApi.pinMessage(first?.message.id ?? "");
    await conversationLink(page, "Pair").click();
    await page.getByRole("link", { name: "Group members" }).click();
    const panel = page.getByRole("complementary", { name: "Group info" });
    const pins = panel.getByRole("list", { name: "Pinned", exact: true });
    await visible(pins.getByRole("link", { name: new RegExp(toAlice) }));
    const bobs = panel.getByRole("listitem").filter({ hasText: `@${bob.username}` });
    await visible(bobs.getByText("Not verified", { exact: true }));
    await bobs.getByRole("button", { name: `Verify ${bobName}` }).click();

    const dialog = page.getByRole("dialog", { name: `Verify ${bobName}` });
    const number = dialog.getByRole("figure", { name: "Safety number" });
    await visible(number.getByRole("img", { name: /^QR code of the safety number \d{5} / }));
    const keys = async (id: string) =>
      (await bobApi.devices.ofUser(id)).map((d) => fromBase64Url(d.signature_key));
    const expected = safetyNumber(
      { userId: bob.id, signatureKeys: await keys(bob.id) },
      { userId: alice.id, signatureKeys: await keys(alice.id) },
    );
    assert.equal((await number.textContent())?.replace(/\D/g, ""), expected);
    await passesAxe(page, "the safety number's dialog");
    await dialog.getByRole("button", { name: "Mark as verified" }).click();
    await gone(dialog);
    await visible(bobs.getByText("Verified", { exact: true }));
    await passesAxe(page, "an encrypted group's members, one verified");

    // A new device of Bob's changes the number: the mark goes, and the list says why.
    await registerDevice(bobApi.devices, bob.id, "bob's phone", 1);
    await page.getByRole("link", { name: "Close details" }).click();
    await page.getByRole("link", { name: "Group members" }).click();
    await visible(panel.getByText(`${bobName}'s devices changed since you verified them`));
    await visible(bobs.getByText("Not verified: devices changed"));
    assert.equal(await bobs.getByText("Verified", { exact: true }).count(), 0);
  });

  it("logged no errors", () => {
    assert.deepEqual(fixture.errors, []);
  });
});
