/**
 * Message text is only ever text: HTML in a message stays literal, http(s) links become
 * safe anchors, other schemes stay text, and mentions are highlighted. Formatting
 * (bold, italic, code, quotes, lists, links) becomes elements, never parsed HTML.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Browser, Page } from "playwright-core";
import { launchBrowser } from "../helpers/browser.js";
import { createDirect } from "../helpers/chat.js";
import { createUser, type TestUser } from "../helpers/factories.js";
import { request } from "../helpers/http.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import {
  conversationLink,
  messageList,
  PASSWORD,
  send,
  signIn,
  visible,
  watchErrors,
} from "./helpers.js";

const XSS = `<img src=x onerror="window.__pwned=1">`;

describe("message rendering is safe", { timeout: 120_000 }, () => {
  let server: TestServer;
  let browser: Browser;
  let page: Page;
  let alice: TestUser;
  let bob: TestUser;
  let conversationId: string;
  const errors: string[] = [];

  const bobSays = async (body: string) => {
    const res = await request(
      server.url,
      "POST",
      `/api/v1/conversations/${conversationId}/messages`,
      {
        token: bob.token,
        body: { body },
      },
    );
    assert.equal(res.status, 201, res.text);
  };

  before(async () => {
    server = await startTestServer({ rate_limit: { enabled: false } });
    browser = await launchBrowser();
    alice = await createUser(server.url, { password: PASSWORD });
    bob = await createUser(server.url, { password: PASSWORD });
    conversationId = (await createDirect(server.url, bob, alice)).id;
    page = await browser.newPage();
    watchErrors(page, errors);
    await signIn(page, server.url, { username: alice.username, displayName: alice.username });
    await conversationLink(page, bob.username).click();
    await visible(page.getByRole("heading", { name: bob.username, level: 2 }));
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  it("shows HTML in a received message as literal text", async () => {
    await bobSays(XSS);
    await visible(messageList(page).getByText(XSS, { exact: true }));
    assert.equal(await page.evaluate(() => (globalThis as any).__pwned), undefined);
    assert.equal(await messageList(page).locator("img").count(), 0);
    // The conversation list preview is text as well.
    await visible(conversationLink(page, bob.username).getByText(XSS));
    assert.equal(await page.locator("#app img").count(), 0);
  });

  it("shows HTML in a sent message as literal text, pending and delivered", async () => {
    await send(page, `${XSS} sent by me`);
    await visible(messageList(page).getByText(`${XSS} sent by me`, { exact: true }));
    await visible(messageList(page).getByText("Delivered"));
    assert.equal(await page.evaluate(() => (globalThis as any).__pwned), undefined);
    assert.equal(await page.locator("#app img").count(), 0);
  });

  it("turns http(s) links into anchors that open safely", async () => {
    await bobSays("docs at https://example.com/docs?q=1&x=2. and (http://example.org/a_(b))");
    const link = messageList(page).getByRole("link", { name: "https://example.com/docs?q=1&x=2" });
    await visible(link);
    assert.equal(await link.getAttribute("href"), "https://example.com/docs?q=1&x=2");
    assert.equal(await link.getAttribute("rel"), "noopener noreferrer");
    assert.equal(await link.getAttribute("target"), "_blank");
    const paren = messageList(page).getByRole("link", { name: "http://example.org/a_(b)" });
    assert.equal(await paren.getAttribute("rel"), "noopener noreferrer");
    await visible(messageList(page).getByText(/and \(http/));
  });

  it("leaves other schemes as plain text", async () => {
    await bobSays("javascript:alert(1) and data:text/html,<b>x</b> and ftp://example.com/f");
    await visible(messageList(page).getByText(/javascript:alert\(1\) and data:/));
    const links = await messageList(page)
      .getByRole("link")
      .evaluateAll((as) => as.map((a) => (a as any).getAttribute("href") as string));
    assert.ok(
      links.every((href) => /^https?:\/\//.test(href)),
      links.join(", "),
    );
  });

  it("highlights mentions, the reader's own most", async () => {
    await bobSays(`hey @${alice.username}, ask @nobody_here about it`);
    const mine = messageList(page).getByText(`@${alice.username}`, { exact: true });
    await visible(mine);
    assert.match((await mine.getAttribute("class")) ?? "", /\bmention\b.*\bme\b/);
    const other = messageList(page).getByText("@nobody_here", { exact: true });
    assert.match((await other.getAttribute("class")) ?? "", /\bmention\b/);
  });

  it("shows a code block as monospace text with a Copy button, HTML in it staying text", async () => {
    const html = `<img src=x onerror="window.__pwned=2">`;
    await bobSays(`before\n\n\`\`\`html\n${html}\n**not bold** @${alice.username}\n\`\`\``);
    const code = messageList(page).locator("pre > code").filter({ hasText: html });
    await visible(code);
    assert.equal(await code.textContent(), `${html}\n**not bold** @${alice.username}`);
    assert.equal(await code.locator("img, strong, .mention").count(), 0);
    assert.equal(await page.locator("#app img").count(), 0);
    assert.equal(await page.evaluate(() => (globalThis as any).__pwned), undefined);
    const pre = code.locator("..");
    assert.equal(
      await pre.evaluate((el) => (globalThis as any).getComputedStyle(el).overflowX),
      "auto",
    );
    assert.match(
      await code.evaluate((el) => (globalThis as any).getComputedStyle(el).fontFamily),
      /monospace/,
    );
    const block = pre.locator("..");
    await page.context().grantPermissions(["clipboard-read", "clipboard-write"]);
    await block.getByRole("button", { name: "Copy code" }).click();
    await visible(block.getByRole("button", { name: "Copied" }));
    assert.equal(
      await page.evaluate(() => (globalThis as any).navigator.clipboard.readText()),
      `${html}\n**not bold** @${alice.username}`,
    );
  });

  it("shows bold, italic, strikethrough, inline code, quotes and lists", async () => {
    await bobSays(
      `**strong words** and _slanted_ and ~~struck~~ and \`x < y\`, hi @${alice.username}\n\n` +
        "> quoted line\n\n- first item\n- second item\n\n3. third\n4. fourth",
    );
    const list = messageList(page);
    await visible(list.locator("strong", { hasText: "strong words" }));
    await visible(list.locator("em", { hasText: "slanted" }));
    await visible(list.locator("s", { hasText: "struck" }));
    await visible(list.locator("code", { hasText: "x < y" }));
    await visible(list.locator("blockquote", { hasText: "quoted line" }));
    assert.deepEqual(await list.locator("ul").last().locator("li").allTextContents(), [
      "first item",
      "second item",
    ]);
    const ordered = list.locator("ol").last();
    assert.equal(await ordered.getAttribute("start"), "3");
    assert.deepEqual(await ordered.locator("li").allTextContents(), ["third", "fourth"]);
    // A mention in formatted text is still highlighted; the markup characters are gone.
    const bubble = list.locator(".text.rich").filter({ hasText: "strong words" });
    await visible(bubble.locator(".mention.me"));
    assert.doesNotMatch((await bubble.textContent()) ?? "", /\*\*|~~|`/);
  });

  it("makes written links safe anchors and leaves unsafe ones as text", async () => {
    await bobSays("read [the guide](https://example.com/guide) not [this](javascript:alert(1))");
    const link = messageList(page).getByRole("link", { name: "the guide" });
    await visible(link);
    assert.equal(await link.getAttribute("href"), "https://example.com/guide");
    assert.equal(await link.getAttribute("rel"), "noopener noreferrer");
    assert.equal(await link.getAttribute("target"), "_blank");
    await visible(messageList(page).getByText("[this](javascript:alert(1))", { exact: false }));
    assert.equal(await messageList(page).getByRole("link", { name: "this" }).count(), 0);
  });

  it("logged no errors", () => {
    assert.deepEqual(errors, []);
  });
});
