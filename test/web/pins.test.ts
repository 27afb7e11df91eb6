/**
 * Pinned messages in the web app: the owner pins from a message's actions, the pin shows
 * live in the other member's info panel, a pin far back in history opens the conversation
 * at that message, and members get the Pin action once the group lets them.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Browser, Page } from "playwright-core";
import { launchBrowser } from "../helpers/browser.js";
import { createGroup, sendMessage } from "../helpers/chat.js";
import { createUser, type TestUser } from "../helpers/factories.js";
import { request } from "../helpers/http.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { gone, messageList, PASSWORD, signedInPage, visible, WAIT } from "./helpers.js";

/** More than one page of history, so the oldest message is not loaded at first. */
const FILLER = 60;

describe("pinned messages in the web app", { timeout: 180_000 }, () => {
  let server: TestServer;
  let browser: Browser;
  let owner: Page;
  let member: Page;
  let alice: TestUser;
  let bob: TestUser;
  let groupId: string;
  let earlySeq: number;
  let earlyId: string;
  const errors: string[] = [];

  const item = (page: Page, text: string) =>
    messageList(page).getByRole("listitem").filter({ hasText: text });
  const pinsOf = (page: Page) =>
    page
      .getByRole("complementary", { name: "Group info" })
      .getByRole("list", { name: "Pinned", exact: true });

  before(async () => {
    server = await startTestServer({ rate_limit: { enabled: false } });
    browser = await launchBrowser();
    alice = await createUser(server.url, { password: PASSWORD });
    bob = await createUser(server.url, { password: PASSWORD });
    const group = await createGroup(server.url, alice, [bob], "Pin room");
    groupId = group.id;
    const early = await sendMessage(server.url, bob, groupId, "the early plan");
    earlySeq = early.seq;
    earlyId = early.id;
    for (let i = 1; i <= FILLER; i++) {
      await sendMessage(server.url, i % 2 ? alice : bob, groupId, `filler ${i}`);
    }
    owner = await signedInPage(browser, server.url, alice, errors);
    member = await signedInPage(browser, server.url, bob, errors);
    await owner.evaluate(`location.hash = "#/c/${groupId}"`);
    await visible(item(owner, `filler ${FILLER}`));
    // The member watches the group's info panel while the owner pins.
    await member.evaluate(`location.hash = "#/c/${groupId}/info"`);
    await visible(member.getByText("No pinned messages."));
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  it("the owner pins from the message's actions; a member is not offered Pin", async () => {
    const latest = item(owner, `filler ${FILLER}`);
    await latest.hover();
    await latest.getByRole("button", { name: "Pin", exact: true }).click();
    await visible(latest.getByRole("button", { name: "Unpin", exact: true }));

    const theirs = item(member, `filler ${FILLER}`);
    await theirs.hover();
    await visible(theirs.getByRole("button", { name: "Reply", exact: true }));
    assert.equal(await theirs.getByRole("button", { name: "Pin", exact: true }).count(), 0);
  });

  it("the pin appears live in the member's info panel, also for a message not loaded there", async () => {
    await visible(pinsOf(member).getByRole("link", { name: new RegExp(`filler ${FILLER}`) }));
    const res = await request(server.url, "POST", `/api/v1/messages/${earlyId}/pin`, {
      token: alice.token,
    });
    assert.equal(res.status, 200, res.text);
    const links = pinsOf(member).getByRole("link");
    await visible(links.filter({ hasText: "the early plan" }));
    // The most recently pinned first.
    assert.match((await links.first().textContent()) ?? "", /the early plan/);
    assert.match((await links.first().textContent()) ?? "", /Pinned by/);
  });

  it("a pin opens the conversation at its message, from the keyboard", async () => {
    await owner.evaluate(`location.hash = "#/c/${groupId}/info"`);
    const link = pinsOf(owner).getByRole("link").filter({ hasText: "the early plan" });
    await visible(link);
    await link.focus();
    await link.press("Enter");
    const found = messageList(owner).locator("li.msg.found");
    await visible(found, WAIT * 2);
    assert.match((await found.textContent()) ?? "", /the early plan/);
    const focused = await owner.evaluate(
      () => (globalThis as any).document.activeElement?.getAttribute("data-seq") ?? null,
    );
    assert.equal(focused, String(earlySeq));
  });

  it("members get Pin once the owner lets every member pin", async () => {
    await owner.evaluate(`location.hash = "#/c/${groupId}/info"`);
    await owner.getByRole("checkbox", { name: "Every member can pin messages" }).check();
    await member.evaluate(`location.hash = "#/c/${groupId}"`);
    const theirs = item(member, `filler ${FILLER - 1}`);
    await theirs.hover();
    await theirs.getByRole("button", { name: "Pin", exact: true }).click();
    await visible(theirs.getByRole("button", { name: "Unpin", exact: true }));
    await owner.evaluate(`location.hash = "#/c/${groupId}/info"`);
    await visible(
      pinsOf(owner)
        .getByRole("link")
        .filter({ hasText: `filler ${FILLER - 1}` }),
    );
    // And unpinning takes it off everyone's list.
    await theirs.hover();
    await theirs.getByRole("button", { name: "Unpin", exact: true }).click();
    await gone(
      pinsOf(owner)
        .getByRole("link")
        .filter({ hasText: `filler ${FILLER - 1}` }),
    );
  });

  it("logged no errors", () => {
    assert.deepEqual(errors, []);
  });
});
