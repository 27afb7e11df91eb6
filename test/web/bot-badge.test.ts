/**
 * A webhook's messages in the web app: under the hook's name with a "bot" badge, in the
 * timeline and in the members panel, and the view stays free of axe violations.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { AxeBuilder } from "@axe-core/playwright";
import type { Browser, Page } from "playwright-core";
import { launchBrowser } from "../helpers/browser.js";
import { createGroup } from "../helpers/chat.js";
import { createUser, type TestUser } from "../helpers/factories.js";
import { request } from "../helpers/http.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { conversationLink, messageList, signedInPage, visible } from "./helpers.js";

describe("a webhook's messages in the web app", { timeout: 120_000 }, () => {
  let server: TestServer;
  let browser: Browser;
  let page: Page;
  let alice: TestUser;
  const errors: string[] = [];
  const title = "Build room";

  before(async () => {
    server = await startTestServer({ rate_limit: { enabled: false } });
    const [a, bob] = await Promise.all([createUser(server.url), createUser(server.url)]);
    alice = a;
    const group = await createGroup(server.url, alice, [bob], title);
    const made = await request(server.url, "POST", `/api/v1/conversations/${group.id}/webhooks`, {
      token: bob.token,
      body: { name: "CI builds" },
    });
    assert.equal(made.status, 201, made.text);
    const posted = await request(server.url, "POST", new URL(made.body.url).pathname, {
      body: { text: "build *42* passed" },
    });
    assert.equal(posted.status, 200, posted.text);
    browser = await launchBrowser();
    page = await signedInPage(browser, server.url, alice, errors);
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  it("shows the hook's name with a bot badge, and passes axe", async () => {
    await conversationLink(page, title).click();
    const list = messageList(page);
    await visible(list.getByText("42", { exact: true }));
    const sender = list.locator(".sender", { hasText: "CI builds" });
    await visible(sender);
    assert.equal((await sender.locator(".bot-badge").textContent())?.trim(), "bot");
    const result = await new AxeBuilder({ page }).analyze();
    assert.deepEqual(
      result.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target).join(" ")}`),
      [],
    );
    assert.deepEqual(errors, []);
  });
});
