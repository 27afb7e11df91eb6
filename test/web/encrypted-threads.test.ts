/**
 * Threads of an end-to-end encrypted conversation in a browser that is one of Alice's
 * devices (docs/E2EE.md): the server cannot tell a thread's replies (each names its root
 * inside the ciphertext), so her device works them out. A root Bob's device sent shows its
 * reply count, live, and the replies stay out of the timeline, as a plain thread's; the
 * count and "Reply in thread" open the thread's panel with the replies opened in order; a
 * reply typed in the panel's box is encrypted with its root named inside, and Bob's
 * device reads it so. A link to a reply opens its thread at the reply. A reply to a message
 * older than the loaded timeline quotes its plaintext. axe-core finds nothing on the open
 * panel.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { ApiClient } from "@private-chat/sdk";
import { type EncryptedChat, foldMessages } from "@private-chat/sdk/mls";
import type { Page } from "playwright-core";
import {
  bobsGroup,
  type DeviceFixture,
  makeBrowserADevice,
  messageItem,
  startDeviceFixture,
  stopDeviceFixture,
} from "./encrypted-device-fixture.js";
import { conversationLink, gone, messageList, passesAxe, visible, watchErrors } from "./helpers.js";

// Room for a loaded machine: each axe run checks two widths in two colour schemes.
describe("threads of an encrypted conversation in the browser", { timeout: 300_000 }, () => {
  let fixture: DeviceFixture;
  let page: Page;
  let bobApi: ApiClient;
  let bobChat: EncryptedChat;
  let conversationId: string;
  let rootSeq: number;
  let firstReply: { id: string; seq: number };
  const root = "the plan for friday, word 2b8e";
  const first = "first thought, word 5d1a";
  const second = "second thought, word 7c4f";
  const mine = "alice's answer, word 3e9d";
  const later = "a later thought, word 8a6b";
  const item = (text: string) => messageItem(page, text);
  const panel = () => page.getByRole("complementary", { name: "Thread" });
  const replies = () => panel().getByRole("list", { name: "Replies" });

  before(async () => {
    fixture = await startDeviceFixture();
    ({ page, bobApi } = fixture);
    await makeBrowserADevice(page);
    ({ bobChat, conversationId } = await bobsGroup(fixture, "Plans"));
  });

  after(() => stopDeviceFixture(fixture));

  it("shows the root's reply count worked out on the device, and not the replies", async () => {
    rootSeq = (await bobChat.send(root, "bob-root")).seq;
    firstReply = await bobChat.sendContent(
      { kind: "text", body: first, thread_root: rootSeq },
      "bob-t1",
    );
    await bobChat.sendContent({ kind: "text", body: second, thread_root: rootSeq }, "bob-t2");
    await bobChat.send("in the conversation, word 1f0c", "bob-after");

    await conversationLink(page, "Plans").click();
    await visible(messageList(page).getByText("in the conversation, word 1f0c"));
    await visible(item(root).getByRole("link", { name: /^2 replies/ }));
    for (const reply of [first, second])
      assert.equal(await messageList(page).getByText(reply).count(), 0, "in its thread only");
  });

  it("opens the thread with its replies opened in order, and passes axe", async () => {
    await item(root)
      .getByRole("link", { name: /^2 replies/ })
      .click();
    await visible(panel().getByRole("list", { name: "Thread root" }).getByText(root));
    await visible(replies().getByText(second));
    await visible(panel().getByText("2 replies", { exact: true }));
    const texts = await replies().locator(".text").allTextContents();
    assert.deepEqual(texts, [first, second]);
    assert.equal(
      await panel()
        .getByText(/Encrypted message: this client/)
        .count(),
      0,
    );
    // Nothing to follow: the server cannot tell an encrypted thread's replies.
    assert.equal(await panel().getByRole("button", { name: "Follow", exact: true }).count(), 0);
    await passesAxe(page, "an encrypted conversation's thread on this browser's device");
  });

  it("sends a reply from the panel with its root inside the content, as Bob's device reads", async () => {
    const box = panel().getByLabel("Encrypted reply in thread", { exact: true });
    await box.fill(mine);
    await box.press("Enter");
    await visible(replies().getByText(mine));
    await visible(panel().getByText("3 replies", { exact: true }));
    await visible(item(root).getByRole("link", { name: /^3 replies/ }));
    assert.equal(await messageList(page).getByText(mine).count(), 0, "in its thread only");

    const history = await bobApi.history(conversationId, { after: 0, limit: 100 });
    const shown = foldMessages(await bobChat.read(history)).flatMap(({ shown }) =>
      shown.kind === "text" ? [shown] : [],
    );
    const alices = shown.find((s) => s.body === mine);
    assert.equal(alices?.thread_root, rootSeq, "the root is named inside the ciphertext");
    assert.equal(alices?.reply_to, undefined);
    assert.equal(shown.find((s) => s.body === root)?.thread?.reply_count, 3);
    assert.equal(JSON.stringify(history).includes(mine), false, "not on the server");
  });

  it("shows a reply arriving while the thread is open, and opens from Reply in thread", async () => {
    await bobChat.sendContent({ kind: "text", body: later, thread_root: rootSeq }, "bob-t3");
    await visible(replies().getByText(later));
    await visible(panel().getByText("4 replies", { exact: true }));
    await visible(item(root).getByRole("link", { name: /^4 replies/ }));

    await panel().getByRole("link", { name: "Close thread" }).click();
    await gone(panel());
    const rootItem = item(root);
    await rootItem.hover();
    await rootItem.getByRole("button", { name: "Reply in thread", exact: true }).click();
    await visible(replies().getByText(later));
    await visible(replies().getByText(first));
  });

  it("opens a link to a reply in its thread, at the reply, in a new tab", async () => {
    const tab = await page.context().newPage();
    watchErrors(tab, fixture.errors);
    try {
      await tab.goto(`${fixture.server.url}/#/c/${conversationId}/m/${firstReply.id}`);
      const found = tab
        .getByRole("complementary", { name: "Thread" })
        .getByRole("list", { name: "Replies" })
        .locator("li.msg.found");
      await visible(found);
      assert.match((await found.textContent()) ?? "", new RegExp(first));
      const focused = await tab.evaluate(
        () => (globalThis as any).document.activeElement?.getAttribute("data-seq") ?? null,
      );
      assert.equal(focused, String(firstReply.seq));
      assert.equal(await messageList(tab).getByText(first).count(), 0, "in its thread only");
    } finally {
      await tab.close();
    }
  });

  it("quotes a message older than the loaded timeline with its plaintext", async () => {
    // More than two pages after the root: a fresh tab loads the newest page only.
    for (let i = 0; i < 110; i++) await bobChat.send(`filler ${i}`, `bob-filler-${i}`);
    const quoting = "about that plan, word 4c7e";
    await bobChat.sendContent({ kind: "text", body: quoting, reply_to: rootSeq }, "bob-quote");
    const tab = await page.context().newPage();
    watchErrors(tab, fixture.errors);
    try {
      await tab.goto(`${fixture.server.url}/#/c/${conversationId}`);
      const reply = messageItem(tab, quoting);
      await visible(reply.locator(".quote-text").getByText(root));
      // The root itself is not among the messages loaded: the quote was fetched apart.
      assert.equal(await messageList(tab).locator("li.msg").filter({ hasText: root }).count(), 1);
    } finally {
      await tab.close();
    }
  });

  it("logged no errors", () => {
    assert.deepEqual(fixture.errors, []);
  });
});
