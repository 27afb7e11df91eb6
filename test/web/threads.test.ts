/**
 * Threads in the web app, in two browsers: a reply in a thread updates its root's count
 * live and stays out of the timeline, the count opens the thread beside the
 * conversation, a reply typed there (with a file, too) reaches the other browser (and the
 * timeline too when asked), a link or search hit opens the thread at the reply, and the
 * Threads page lists what the user follows with the unread replies.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import type { MessageView } from "@private-chat/sdk";
import type { Browser, Page } from "playwright-core";
import { launchBrowser } from "../helpers/browser.js";
import { createGroup, sendMessage } from "../helpers/chat.js";
import { createUser, type TestUser } from "../helpers/factories.js";
import { request } from "../helpers/http.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { gone, messageList, PASSWORD, signedInPage, visible, WAIT } from "./helpers.js";

describe("threads in the web app", { timeout: 180_000 }, () => {
  let server: TestServer;
  let browser: Browser;
  let alicePage: Page;
  let bobPage: Page;
  let alice: TestUser;
  let bob: TestUser;
  let groupId: string;
  let root: MessageView;
  let firstReply: MessageView;
  const errors: string[] = [];

  const item = (page: Page, text: string) =>
    messageList(page).getByRole("listitem").filter({ hasText: text });
  const panel = (page: Page) => page.getByRole("complementary", { name: "Thread" });
  const replies = (page: Page) => panel(page).getByRole("list", { name: "Replies" });
  const replyInThread = async (page: Page, text: string) => {
    const box = panel(page).getByLabel("Reply in thread", { exact: true });
    await box.fill(text);
    await box.press("Enter");
  };

  before(async () => {
    server = await startTestServer({ rate_limit: { enabled: false } });
    browser = await launchBrowser();
    alice = await createUser(server.url, { password: PASSWORD });
    bob = await createUser(server.url, { password: PASSWORD });
    const group = await createGroup(server.url, alice, [bob], "Thread room");
    groupId = group.id;
    root = await sendMessage(server.url, bob, groupId, "the release plan");
    alicePage = await signedInPage(browser, server.url, alice, errors);
    bobPage = await signedInPage(browser, server.url, bob, errors);
    for (const page of [alicePage, bobPage]) {
      await page.evaluate(`location.hash = "#/c/${groupId}"`);
      await visible(item(page, "the release plan"));
    }
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  it("a reply in a thread shows as its root's count, live, and not in the timeline", async () => {
    firstReply = await sendMessage(server.url, bob, groupId, "first thought", {
      thread_id: root.id,
    });
    await visible(item(alicePage, "the release plan").getByRole("link", { name: /^1 reply/ }));
    // Something sent after it shows, and the reply still does not.
    await sendMessage(server.url, bob, groupId, "in the conversation");
    await visible(item(alicePage, "in the conversation"));
    assert.equal(await item(alicePage, "first thought").count(), 0);
  });

  it("the count opens the thread; a reply typed there reaches the other browser", async () => {
    await item(alicePage, "the release plan")
      .getByRole("link", { name: /^1 reply/ })
      .click();
    await visible(replies(alicePage).getByText("first thought"));
    await visible(
      panel(alicePage).getByRole("list", { name: "Thread root" }).getByText("the release plan"),
    );
    // Not following yet: Alice neither wrote the root nor replied.
    await visible(panel(alicePage).getByRole("button", { name: "Follow", exact: true }));
    await replyInThread(alicePage, "my answer");
    await visible(replies(alicePage).getByText("my answer"));
    // Replying follows the thread.
    await visible(panel(alicePage).getByRole("button", { name: "Following" }));
    assert.equal(await item(alicePage, "my answer").count(), 0);

    const bobsRoot = item(bobPage, "the release plan");
    await visible(bobsRoot.getByRole("link", { name: /^2 replies/ }));
    await bobsRoot.hover();
    await bobsRoot.getByRole("button", { name: "Reply in thread", exact: true }).click();
    await visible(replies(bobPage).getByText("my answer"));
    await visible(replies(bobPage).getByText("first thought"));
  });

  it("a reply also sent to the conversation shows in both, with a way to its thread", async () => {
    await panel(bobPage).getByRole("checkbox", { name: "Also send to the conversation" }).check();
    await replyInThread(bobPage, "for everyone");
    await visible(replies(alicePage).getByText("for everyone"));
    const inTimeline = item(alicePage, "for everyone");
    await visible(inTimeline);
    await visible(inTimeline.getByRole("link", { name: "Replied in a thread" }));
  });

  it("a file attached in the thread's box goes with the reply, not with the conversation's", async () => {
    await panel(bobPage)
      .locator('input[type="file"]')
      .setInputFiles({
        name: "minutes.txt",
        mimeType: "text/plain",
        buffer: Buffer.from("y".repeat(3072)),
      });
    const tray = panel(bobPage).getByRole("list", { name: "Attachments to send" });
    await visible(tray.getByText("3.0 KB"));
    // The conversation's own box has nothing waiting.
    assert.equal(await bobPage.getByRole("list", { name: "Attachments to send" }).count(), 1);
    await replyInThread(bobPage, "the minutes");
    await gone(tray);
    const reply = replies(alicePage).getByRole("listitem").filter({ hasText: "the minutes" });
    await visible(reply.getByRole("button", { name: "Download minutes.txt, 3.0 KB" }));
    assert.equal(await item(alicePage, "the minutes").count(), 0);
  });

  it("a link to a reply in a thread, and a search hit on it, open the thread at it", async () => {
    const found = (page: Page, text: string) =>
      replies(page).locator("li.found:focus").filter({ hasText: text });
    await alicePage.evaluate(`location.hash = "#/c/${groupId}/m/${firstReply.id}"`);
    await visible(found(alicePage, "first thought"));
    await alicePage.evaluate(`location.hash = "#/c/${groupId}"`);
    await gone(panel(alicePage));
    await alicePage.evaluate(`location.hash = "#/search/thought"`);
    await alicePage.getByRole("link").filter({ hasText: "first thought" }).click();
    await visible(found(alicePage, "first thought"));
  });

  it("the Threads page lists followed threads with the replies not read", async () => {
    await alicePage.evaluate(`location.hash = "#/threads"`);
    const entry = alicePage.getByRole("link").filter({ hasText: "the release plan" });
    await visible(entry);
    await sendMessage(server.url, bob, groupId, "one more thing", { thread_id: root.id });
    await visible(entry.filter({ hasText: "1 unread" }));
    await entry.click();
    await visible(replies(alicePage).getByText("one more thing"));
    // Opening the thread reads it: the list says so once shown again.
    await alicePage.evaluate(`location.hash = "#/threads"`);
    await visible(entry);
    await gone(entry.filter({ hasText: "unread" }));
  });

  it("unfollowing takes the thread off the list; a stranger's link finds nothing", async () => {
    await alicePage.evaluate(`location.hash = "#/c/${groupId}/t/${root.id}"`);
    await panel(alicePage).getByRole("button", { name: "Following" }).click();
    await visible(panel(alicePage).getByRole("button", { name: "Follow", exact: true }));
    const res = await request<{ threads: unknown[] }>(server.url, "GET", "/api/v1/threads", {
      token: alice.token,
    });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.threads.length, 0);
    // A thread link whose root is not a message of this conversation shows not available
    // (the browser logs the two 404 answers, which are expected here and nowhere else).
    // The alert shows at the first answer; both are awaited so that the second is logged
    // before the errors are sorted.
    const logged = errors.length;
    const answered = (path: string) =>
      alicePage.waitForResponse(
        (r) => new URL(r.url()).pathname === `/api/v1/messages/not-a-message${path}`,
      );
    const answers = Promise.all([answered(""), answered("/thread")]);
    await alicePage.evaluate(`location.hash = "#/c/${groupId}/t/not-a-message"`);
    await visible(panel(alicePage).getByRole("alert").getByText("This thread is not available."));
    for (const answer of await answers) assert.equal(answer.status(), 404);
    // The console message of a 404 follows its response; wait until both are in.
    const notFound = () => errors.slice(logged).filter((e) => e.includes("status of 404"));
    for (let waited = 0; notFound().length < 2 && waited < WAIT; waited += 50) await sleep(50);
    const expected = errors.splice(logged).filter((e) => !e.includes("status of 404"));
    errors.push(...expected);
  });

  it("a link to a reply pages up through a long thread to it", async () => {
    const long = await sendMessage(server.url, alice, groupId, "a long discussion");
    const first = await sendMessage(server.url, bob, groupId, "the very first point", {
      thread_id: long.id,
    });
    // More than one page of replies (50) after it.
    for (let i = 0; i < 60; i += 1)
      await sendMessage(server.url, bob, groupId, `point ${i}`, { thread_id: long.id });
    await alicePage.evaluate(`location.hash = "#/c/${groupId}/m/${first.id}"`);
    await visible(
      replies(alicePage).locator("li.found:focus").filter({ hasText: "the very first point" }),
    );
    // Exact: the bubble's text runs on into its time ("point 59" then "9:58 AM").
    await visible(replies(alicePage).getByText("point 59", { exact: true }));
  });

  it("logged no errors", () => {
    assert.deepEqual(errors, []);
  });
});
