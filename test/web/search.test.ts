/**
 * Message search in the web app: search from the sidebar, see the marked excerpt as
 * text, and jump to a message far back in history, which is loaded, shown and focused.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, it } from "node:test";
import type { Browser, Page } from "playwright-core";
import { launchBrowser } from "../helpers/browser.js";
import { createGroup, sendMessage } from "../helpers/chat.js";
import { createUser, type TestUser } from "../helpers/factories.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { messageList, PASSWORD, signedInPage, visible, WAIT } from "./helpers.js";

const FILLER = 120;

describe("searching messages in the web app", { timeout: 120_000 }, () => {
  let server: TestServer;
  let browser: Browser;
  let page: Page;
  let alice: TestUser;
  let bob: TestUser;
  const word = `needle${randomBytes(4).toString("hex")}`;
  const errors: string[] = [];

  const say = (who: TestUser, conversationId: string, body: string) =>
    sendMessage(server.url, who, conversationId, body);

  before(async () => {
    server = await startTestServer({ rate_limit: { enabled: false } });
    browser = await launchBrowser();
    alice = await createUser(server.url, { password: PASSWORD });
    bob = await createUser(server.url, { password: PASSWORD });
    const outsider = await createUser(server.url, { password: PASSWORD });
    const group = await createGroup(server.url, bob, [alice], "Project room");
    await say(bob, group.id, "first words");
    await say(bob, group.id, `<img src=x onerror="window.pwned=1"> the ${word} is here`);
    // Enough newer messages that the hit is not on the first page of history.
    for (let i = 1; i <= FILLER; i++) await say(i % 2 ? bob : alice, group.id, `filler ${i}`);
    const secret = await createGroup(server.url, outsider, [], "Elsewhere");
    await say(outsider, secret.id, `not for alice ${word}`);
    page = await signedInPage(browser, server.url, alice, errors);
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  it("finds the message and shows its excerpt as text, with the match marked", async () => {
    await page.getByRole("link", { name: "Search messages" }).click();
    const box = page.getByRole("searchbox", { name: "Search messages" });
    await visible(box);
    await box.fill(word);
    await box.press("Enter");
    const results = page.getByRole("list", { name: "Search results" });
    await visible(results);
    const hits = results.getByRole("link");
    assert.equal(await hits.count(), 1);
    const hit = hits.first();
    const text = (await hit.textContent()) ?? "";
    assert.match(text, /Project room/);
    assert.match(text, new RegExp(`<img src=x onerror="window.pwned=1"> the ${word}`));
    assert.equal(await hit.locator("mark").textContent(), word);
    assert.equal(await results.locator("img").count(), 0);
    await visible(page.getByRole("status").getByText("1 message found"));
  });

  it("opens the conversation at the chosen message, loading history back to it", async () => {
    const hit = page.getByRole("list", { name: "Search results" }).getByRole("link").first();
    // Keyboard only: focus the result and press Enter.
    await hit.focus();
    await hit.press("Enter");
    const found = messageList(page).locator("li.msg.found");
    await visible(found, WAIT * 2);
    assert.match((await found.textContent()) ?? "", new RegExp(word));
    const focused = await page.evaluate(() => {
      const active = (globalThis as any).document.activeElement;
      return active?.getAttribute("data-seq") ?? null;
    });
    assert.equal(focused, "2");
    assert.equal(await page.evaluate(() => (globalThis as any).pwned), undefined);
  });

  it("returns to the results with Back, and reports a malformed query", async () => {
    await page.goBack();
    const box = page.getByRole("searchbox", { name: "Search messages" });
    await visible(box);
    assert.equal(await box.inputValue(), word);
    await box.fill("from:nobody");
    await box.press("Enter");
    await visible(page.getByRole("alert").getByText(/at least one word/));
    assert.deepEqual(
      errors.filter((e) => !e.includes("400")),
      [],
    );
  });
});
